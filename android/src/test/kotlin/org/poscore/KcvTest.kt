package org.poscore

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.poscore.CryptoVectors.bytes
import org.poscore.CryptoVectors.hex
import org.poscore.Vectors.optIntOrNull
import org.poscore.Vectors.optStringOrNull

/** tests/vectors/kcv.json: check values ([Key.kcv]), the SM4 block, sign-on field 62 ([WorkingKeys]). */
class KcvTest {
    private val file = Vectors.load("kcv")

    private fun kcv(v: JSONObject): String {
        val algorithm = v.getString("algorithm")
        val family = if (algorithm == "aes-legacy") "aes" else algorithm
        val key = CryptoVectors.key(family, KeyUsage.KEY_ENCRYPTION, v.getString("key"))
        val method = if (algorithm == "aes-legacy") KcvMethod.ENCRYPT_ZEROS else null
        return hex(key.kcv(method, v.optIntOrNull("length")?.toUInt()))
    }

    @TestFactory
    fun checkValues(): List<DynamicTest> = Vectors.cases(file, "kcv") { v -> assertEquals(v.getString("kcv"), kcv(v), "$v") }

    @TestFactory
    fun errors(): List<DynamicTest> = Vectors.cases(file, "errors") { v -> Vectors.expect(v, { kcv(v) }) {} }

    @TestFactory
    fun sm4Block(): List<DynamicTest> = Vectors.cases(file, "sm4_block") { v ->
        val key = CryptoVectors.key("sm4", KeyUsage.DATA_ENCRYPTION, v.getString("key"))
        assertEquals(v.getString("ciphertext"), hex(Data.encrypt(key, bytes(v.getString("plaintext")))))
    }

    private fun tmk(v: JSONObject) = CryptoVectors.key("tdes", KeyUsage.KEY_ENCRYPTION, v.getString("tmk"))

    @TestFactory
    fun field62(): List<DynamicTest> = Vectors.cases(file, "field62") { v ->
        val wk = WorkingKeys.parseField62(tmk(v), bytes(v.getString("field62")))
        assertEquals(v.getString("pik"), hex(wk.pik().dangerousExport()))
        assertEquals(v.getString("mak"), hex(wk.mak().dangerousExport()))
        assertEquals(v.optStringOrNull("tdk"), wk.tdk()?.let { hex(it.dangerousExport()) })
        assertEquals(KeyUsage.PIN_ENCRYPTION, wk.pik().usage())
        assertEquals(v.getString("field62"), hex(buildField62(tmk(v), wk.pik(), wk.mak(), wk.tdk())))
    }

    @TestFactory
    fun field62Errors(): List<DynamicTest> = Vectors.cases(file, "field62_errors") { v ->
        Vectors.expect(v, {
            try {
                WorkingKeys.parseField62(tmk(v), bytes(v.getString("field62")))
            } catch (e: PoscoreException.Keys) {
                v.optStringOrNull("key")?.let { assertTrue(e.detail.startsWith("$it check value mismatch"), e.detail) }
                throw e
            }
        }) {}
    }

    @Test
    fun keyHandlesShowNoKeyBytes() {
        val hexKey = "0123456789ABCDEFFEDCBA9876543210"
        val k = Key.dangerousFromHex(KeyAlgorithm.TDES2, KeyUsage.PIN_ENCRYPTION, hexKey)
        assertEquals("Tdes2 PinEncryption key (KCV 08D7B4)", k.toString())
        val tmk = Key.dangerousFromHex(KeyAlgorithm.TDES2, KeyUsage.KEY_ENCRYPTION, hexKey)
        val pik = Key.dangerousFromHex(KeyAlgorithm.TDES2, KeyUsage.PIN_ENCRYPTION, "11111111111111112222222222222222")
        val mak = Key.dangerousFromHex(KeyAlgorithm.DES, KeyUsage.MAC_BOTH, "3333333333333333")
        val wk = WorkingKeys.parseField62(tmk, buildField62(tmk, pik, mak))
        val bdk = Key.dangerousFromHex(KeyAlgorithm.TDES2, KeyUsage.BDK, hexKey)
        val dk = Dukpt.derive(bdk, bytes("FFFF9876543210E00001"))
        val kbpk = Key.dangerousFromHex(KeyAlgorithm.TDES2, KeyUsage.KEY_ENCRYPTION, hexKey)
        val block = Tr31.unwrap(kbpk, Tr31.wrap(kbpk, pik, "B0000P0TE00E0000"))
        val shown = listOf(k, wk, dk, block, listOf(k, pik, mak), "$k $wk").map { it.toString() }
        val secret = Regex("(?i)0123456789ABCDEF|FEDCBA9876543210|1111111111111111|3333333333333333|6AC292FAA1315B4D")
        for (s in shown) assertFalse(secret.containsMatchIn(s), s)
        assertTrue(shown[2].contains("KCV"), shown[2])
        k.close()
        assertThrows(IllegalStateException::class.java) { k.kcv() }
    }

    @Test
    fun generatedKeysAreRandomAndTyped() {
        val a = Key.generate(KeyAlgorithm.AES128, KeyUsage.PIN_ENCRYPTION)
        val b = Key.generate(KeyAlgorithm.AES128, KeyUsage.PIN_ENCRYPTION)
        assertFalse(a.kcv().contentEquals(b.kcv()))
        assertEquals(5, a.kcv().size)
        assertEquals(KeyAlgorithm.AES128, a.algorithm())
        val e = assertThrows(PoscoreException.Keys::class.java) { Hex.decode("0G") }
        assertEquals("keys.bad_hex", e.code)
        val tmk = Key.generate(KeyAlgorithm.TDES2, KeyUsage.KEY_ENCRYPTION)
        val pik = Key.generate(KeyAlgorithm.TDES2, KeyUsage.PIN_ENCRYPTION)
        val wk = WorkingKeys.parseField62(tmk, buildField62(tmk, pik, Key.generate(KeyAlgorithm.DES, KeyUsage.MAC_BOTH)))
        assertTrue(wk.pik().kcv().contentEquals(pik.kcv()))
        assertNull(wk.tdk())
    }
}
