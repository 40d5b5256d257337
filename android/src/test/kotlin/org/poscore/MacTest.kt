package org.poscore

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.poscore.CryptoVectors.bytes
import org.poscore.CryptoVectors.hex
import org.poscore.Vectors.optIntOrNull
import org.poscore.Vectors.optStringOrNull

/** tests/vectors/mac.json through [Mac]. */
class MacTest {
    private val file = Vectors.load("mac")

    private fun compute(v: JSONObject): ByteArray {
        val algorithm = CryptoVectors.macAlgorithm(v.getString("algorithm"))
        val family = when (algorithm) {
            MacAlgorithm.AES_CMAC -> "aes"
            MacAlgorithm.SM4_CMAC -> "sm4"
            else -> "tdes"
        }
        val usage = CryptoVectors.usage(v.optStringOrNull("key_usage") ?: "mac_both")
        val key = CryptoVectors.key(family, usage, v.getString("key"))
        val data = bytes(v.getString("data"))
        val padding = v.getInt("padding")
        val length = v.optIntOrNull("length")
        val m = Mac.generate(key, algorithm, data, padding, length)
        assertTrue(Mac.verify(key, algorithm, data, m, padding, length))
        val bad = m.copyOf().also { it[0] = (it[0].toInt() xor 1).toByte() }
        assertFalse(Mac.verify(key, algorithm, data, bad, padding, length))
        return m
    }

    @TestFactory
    fun macs(): List<DynamicTest> = Vectors.cases(file, "mac") { v -> assertEquals(v.getString("mac"), hex(compute(v)), "$v") }

    @TestFactory
    fun errors(): List<DynamicTest> = Vectors.cases(file, "errors") { v -> Vectors.expect(v, { compute(v) }) {} }

    @Test
    fun namedHelpers() {
        val k = CryptoVectors.key("tdes2", KeyUsage.MAC_BOTH, "0123456789ABCDEFFEDCBA9876543210")
        val data = bytes("4E6F77206973207468652074696D6520666F7220616C6C20")
        assertEquals(hex(Mac.generate(k, MacAlgorithm.ISO9797_ALG3, data)), hex(Mac.x919(k, data)))
        assertEquals(hex(Mac.generate(k, MacAlgorithm.CUP_ECB, data)), hex(Mac.cupEcb(k, data)))
        val a = CryptoVectors.key("aes128", KeyUsage.MAC_BOTH, "2B7E151628AED2A6ABF7158809CF4F3C")
        assertEquals("BB1D6929E95937287FA37D129B756746", hex(Mac.aesCmac(a, ByteArray(0))))
        val pik = CryptoVectors.key("tdes2", KeyUsage.PIN_ENCRYPTION, "0123456789ABCDEFFEDCBA9876543210")
        val e = org.junit.jupiter.api.Assertions.assertThrows(PoscoreException.Keys::class.java) { Mac.x919(pik, data) }
        assertEquals("keys.wrong_usage", e.code)
        val m = org.junit.jupiter.api.Assertions.assertThrows(PoscoreException.Mac::class.java) { Mac.x919(k, data, length = 2) }
        assertEquals("mac.bad_length", m.code)
    }

    @Test
    fun truncatedTagIsRefusedWhereTheFullLengthIsExpected() {
        val k = CryptoVectors.key("tdes2", KeyUsage.MAC_BOTH, "0123456789ABCDEFFEDCBA9876543210")
        val data = bytes("0200302004C030C09811")
        val m = Mac.x919(k, data)
        assertTrue(Mac.verify(k, MacAlgorithm.ISO9797_ALG3, data, m))
        assertTrue(Mac.verify(k, MacAlgorithm.ISO9797_ALG3, data, m.copyOf(4), length = 4))
        for ((tag, length) in listOf(m.copyOf(4) to null, m.copyOf(4) to 8, m to 4)) {
            val e = org.junit.jupiter.api.Assertions.assertThrows(PoscoreException.Mac::class.java) {
                Mac.verify(k, MacAlgorithm.ISO9797_ALG3, data, tag, length = length)
            }
            assertEquals("mac.bad_length", e.code)
        }
    }
}
