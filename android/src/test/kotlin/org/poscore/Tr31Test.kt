package org.poscore

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.poscore.CryptoVectors.hex
import org.poscore.Vectors.optIntOrNull

/** tests/vectors/tr31.json through [Tr31]. */
class Tr31Test {
    private val file = Vectors.load("tr31")

    /** KBPK by block version: B is TDES, D is AES (by key length). */
    private fun kbpk(version: String, hexKey: String) =
        CryptoVectors.key(if (version == "D") "aes" else "tdes", KeyUsage.KEY_ENCRYPTION, hexKey)

    private fun header(o: org.json.JSONObject) = Tr31Header(
        version = o.getString("version"),
        keyUsage = o.getString("key_usage"),
        algorithm = o.getString("algorithm"),
        modeOfUse = o.getString("mode_of_use"),
        keyVersion = o.getString("key_version"),
        exportability = o.getString("exportability"),
        reserved = o.getString("reserved"),
        optionalBlocks = o.getJSONArray("optional_blocks").map {
            val b = it as org.json.JSONObject
            Tr31OptionalBlock(b.getString("id"), b.getString("data"))
        },
    )

    @TestFactory
    fun unwrap(): List<DynamicTest> = Vectors.cases(file, "unwrap") { v ->
        val block = v.getString("block")
        val kb = Tr31.unwrap(kbpk(block.take(1), v.getString("kbpk")), block)
        assertEquals(v.getString("key"), hex(kb.key.dangerousExport()), "$v")
        assertEquals(header(v.getJSONObject("header")), kb.header)
    }

    @TestFactory
    fun unwrapErrors(): List<DynamicTest> = Vectors.cases(file, "unwrap_errors") { v ->
        val block = v.getString("block")
        Vectors.expect(v, { Tr31.unwrap(kbpk(block.take(1), v.getString("kbpk")), block) }) {}
    }

    @TestFactory
    fun wrap(): List<DynamicTest> = Vectors.cases(file, "wrap") { v ->
        val h = Tr31.parseHeader(v.getString("header"))
        val kb = kbpk(h.version, v.getString("kbpk"))
        val key = CryptoVectors.key(if (h.algorithm == "A") "aes" else "tdes", KeyUsage.DATA_ENCRYPTION, v.getString("key"))
        val out = Tr31.wrap(kb, key, h, v.optIntOrNull("masked_key_len"), v.getLong("seed"))
        assertEquals(v.getString("key_block"), out, "$v")
        val back = Tr31.unwrap(kb, out)
        assertEquals(v.getString("key"), hex(back.key.dangerousExport()))
        assertEquals(h, back.header)
    }

    @Test
    fun unwrappedKeysAreTypedFromTheHeader() {
        val kb = kbpk("B", "DD7515F2BFC17F85CE48F3CA25CB21F6")
        val pik = Key.dangerousFromHex(KeyAlgorithm.TDES2, KeyUsage.PIN_ENCRYPTION, "3F419E1CB7079442AA37474C2EFBF8B8")
        val back = Tr31.unwrap(kb, Tr31.wrap(kb, pik, "B0000P0TE00E0000")).key
        assertEquals(KeyUsage.PIN_ENCRYPTION, back.usage())
        assertEquals(hex(pik.kcv()), hex(back.kcv()))
        val e = org.junit.jupiter.api.Assertions.assertThrows(PoscoreException.Tr31::class.java) {
            Tr31.unwrap(kb, "B0040P0TE00N0000")
        }
        assertEquals("tr31.length_mismatch", e.code)
    }
}
