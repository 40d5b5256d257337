package org.poscore

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.poscore.CryptoVectors.bytes
import org.poscore.CryptoVectors.hex
import org.poscore.Vectors.optLongOrNull
import org.poscore.Vectors.optStringOrNull

/** tests/vectors/pin.json through [PinBlock]. */
class PinTest {
    private val file = Vectors.load("pin")

    private fun pinKey(format: Int, hex: String) =
        CryptoVectors.key(if (format == 4) "aes" else "tdes", KeyUsage.PIN_ENCRYPTION, hex)

    @TestFactory
    fun encode(): List<DynamicTest> = Vectors.cases(file, "encode") { v ->
        val format = v.getInt("format")
        val pan = v.optStringOrNull("pan")
        val seed = v.optLongOrNull("seed")
        val fill = v.optStringOrNull("fill")?.let { bytes(it) }
        val pin = v.getString("pin")
        if (v.has("key")) {
            val key = pinKey(format, v.getString("key"))
            val block = PinBlock.encrypt(key, pin, format, pan, seed, fill)
            assertEquals(v.getString("pin_block"), hex(block), "$v")
            assertEquals(pin, PinBlock.dangerousDecrypt(key, block, format, pan))
        } else {
            val block = PinBlock.encode(pin, format, pan, seed, fill)
            assertEquals(v.getString("pin_block"), hex(block), "$v")
            assertEquals(pin, PinBlock.dangerousDecode(block, format, pan))
        }
    }

    @TestFactory
    fun decodeErrors(): List<DynamicTest> = Vectors.cases(file, "decode_errors") { v ->
        val format = v.getInt("format")
        val pan = v.optStringOrNull("pan")
        Vectors.expect(v, {
            val block = bytes(v.getString("block"))
            if (v.has("key")) {
                PinBlock.dangerousDecrypt(pinKey(format, v.getString("key")), block, format, pan)
            } else {
                PinBlock.dangerousDecode(block, format, pan)
            }
        }) {}
    }

    @TestFactory
    fun encodeErrors(): List<DynamicTest> = Vectors.cases(file, "encode_errors") { v ->
        val format = v.getInt("format")
        val pan = v.optStringOrNull("pan")
        Vectors.expect(v, {
            if (v.has("key")) {
                val key = CryptoVectors.key(v.getString("key_algorithm"), KeyUsage.PIN_ENCRYPTION, v.getString("key"))
                PinBlock.encrypt(key, v.getString("pin"), format, pan, seed = 0)
            } else {
                PinBlock.encode(v.getString("pin"), format, pan, seed = 0)
            }
        }) {}
    }

    @TestFactory
    fun translate(): List<DynamicTest> = Vectors.cases(file, "translate") { v ->
        val (ff, tf) = v.getInt("from_format") to v.getInt("to_format")
        val toKey = pinKey(tf, v.getString("to_key"))
        val out = PinBlock.translate(
            bytes(v.getString("block")),
            fromKey = pinKey(ff, v.getString("from_key")),
            toKey = toKey,
            fromFormat = ff,
            toFormat = tf,
            pan = v.getString("pan"),
            seed = v.getLong("seed"),
        )
        assertEquals(v.getString("pin_block"), hex(out), "$v")
        assertEquals(v.getString("pin"), PinBlock.dangerousDecrypt(toKey, out, tf, v.getString("pan")))
    }

    @Test
    fun productionFillIsRandom() {
        val a = PinBlock.encode("1234", format = 1)
        val b = PinBlock.encode("1234", format = 1)
        assertNotEquals(hex(a), hex(b))
        assertEquals("1234", PinBlock.dangerousDecode(a, format = 1))
    }

    @Test
    fun pinErrorsAreTyped() {
        val e = org.junit.jupiter.api.Assertions.assertThrows(PoscoreException.Pin::class.java) { PinBlock.encode("12", pan = "4761739001010010") }
        assertEquals("pin.pin_length", e.code)
    }
}
