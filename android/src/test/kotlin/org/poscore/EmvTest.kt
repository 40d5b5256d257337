package org.poscore

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.poscore.CryptoVectors.bytes
import org.poscore.CryptoVectors.hex
import org.poscore.Vectors.optStringOrNull

/** tests/vectors/emv.json through [Emv] and [EmvIssuer], step for step as core/tests/emv_vectors.rs. */
class EmvTest {
    private val file = Vectors.load("emv")

    private fun key(hex: String, usage: KeyUsage = KeyUsage.MAC_BOTH): Key =
        CryptoVectors.key("tdes2", usage, hex)

    private fun option(name: String): MasterKeyOption = MasterKeyOption.valueOf(name.uppercase())

    private fun padding(name: String): AcPadding = AcPadding.valueOf(name.uppercase())

    private fun opt(v: JSONObject, field: String): ByteArray? = v.optStringOrNull(field)?.let { bytes(it) }

    /** The full key and/or its 2-byte check value, as the vector gives them. */
    private fun checkKey(v: JSONObject, field: String, k: Key) {
        v.optStringOrNull(field)?.let { assertEquals(it, hex(k.dangerousExport()), "$field $v") }
        v.optStringOrNull("${field}_kcv")?.let {
            assertEquals(it, hex(k.kcv(KcvMethod.ENCRYPT_ZEROS, 2u)), "${field}_kcv $v")
        }
    }

    private fun arpc(v: JSONObject, k: Key, arqc: ByteArray): ByteArray? {
        opt(v, "arc")?.let { return Emv.arpcMethod1(k, arqc, it) }
        val csu = opt(v, "csu") ?: return null
        return Emv.arpcMethod2(k, arqc, csu, opt(v, "prop_auth_data"))
    }

    @TestFactory
    fun iccMasterKeys(): List<DynamicTest> = Vectors.cases(file, "icc_master_keys") { v ->
        val imk = key(v.getString("imk"), KeyUsage.ISSUER_MASTER_KEY)
        val k = Emv.iccMasterKey(imk, v.getString("pan"), v.getString("psn"), option(v.getString("option")))
        assertEquals(KeyUsage.MAC_BOTH, k.usage())
        checkKey(v, "icc_master_key", k)
    }

    @TestFactory
    fun sessionKeys(): List<DynamicTest> = Vectors.cases(file, "session_keys") { v ->
        val mk = key(v.getString("master_key"))
        val sk = opt(v, "r")?.let { Emv.commonSessionKey(mk, it) }
            ?: Emv.sessionKey(mk, Emv.cvn(v.getInt("cvn")), bytes(v.getString("atc")))
        checkKey(v, "session_key", sk)
    }

    @TestFactory
    fun cryptograms(): List<DynamicTest> = Vectors.cases(file, "cryptograms") { v ->
        val k = key(v.getString("key"))
        val arqc = bytes(v.getString("arqc"))
        opt(v, "data")?.let { assertEquals(hex(arqc), hex(Emv.applicationCryptogram(k, it, padding(v.getString("padding")))), "$v") }
        arpc(v, k, arqc)?.let { assertEquals(v.getString("arpc"), hex(it), "$v") }
    }

    @TestFactory
    fun chains(): List<DynamicTest> = Vectors.cases(file, "chains") { v ->
        val imk = key(v.getString("imk"), KeyUsage.ISSUER_MASTER_KEY)
        val mk = Emv.iccMasterKey(imk, v.getString("pan"), v.getString("psn"), option(v.getString("option")))
        checkKey(v, "icc_master_key", mk)
        val sk = Emv.commonSessionKey(mk, bytes(v.getString("r")))
        checkKey(v, "session_key", sk)
        val arqc = Emv.applicationCryptogram(sk, bytes(v.getString("data")), padding(v.getString("padding")))
        assertEquals(v.getString("arqc"), hex(arqc), "$v")
        val k = if (v.getString("arpc_key") == "icc_master_key") mk else sk
        assertEquals(v.getString("arpc"), hex(arpc(v, k, arqc)!!), "$v")
    }

    /**
     * A whole transaction through [EmvIssuer]; a mismatch (false) is raised as the code the Rust
     * surface throws, so the error vectors read the same everywhere.
     */
    private fun transaction(v: JSONObject): EmvArpc {
        val usage = v.optStringOrNull("imk_usage")?.let { CryptoVectors.usage(it) } ?: KeyUsage.ISSUER_MASTER_KEY
        val issuer = EmvIssuer(key(v.getString("imk"), usage))
        val cvn = Emv.cvn(v.getInt("cvn"))
        val (pan, psn, atc) = Triple(v.getString("pan"), v.getString("psn"), bytes(v.getString("atc")))
        checkKey(v, "icc_master_key", issuer.iccMasterKey(pan, psn, cvn))
        val sk = issuer.acKey(pan, psn, atc, cvn)
        checkKey(v, "session_key", sk)
        val (data, arqc) = bytes(v.getString("data")) to bytes(v.getString("arqc"))
        if (!issuer.checkArqc(pan, psn, atc, data, arqc, cvn)) {
            throw PoscoreException.Emv("emv.arqc_mismatch", "ARQC does not verify")
        }
        assertEquals(hex(arqc), hex(Emv.arqc(sk, cvn, data)), "$v")
        assertTrue(Emv.verifyArqc(sk, cvn, data, arqc))
        return issuer.arpc(pan, psn, atc, arqc, cvn, opt(v, "arc"), opt(v, "csu"), opt(v, "prop_auth_data"))
    }

    @TestFactory
    fun issuer(): List<DynamicTest> = Vectors.cases(file, "issuer") { v ->
        val r = transaction(v)
        assertEquals(v.getString("arpc"), hex(r.arpc), "$v")
        v.optStringOrNull("issuer_authentication_data")?.let { assertEquals(it, hex(r.issuerAuthenticationData), "$v") }
    }

    @TestFactory
    fun errors(): List<DynamicTest> = Vectors.cases(file, "errors") { v -> Vectors.expect(v, { transaction(v) }) {} }

    @Test
    fun mismatchIsFalseAndErrorsNameTheInput() {
        val v = file.getJSONArray("issuer").getJSONObject(0)
        val issuer = EmvIssuer(key(v.getString("imk"), KeyUsage.ISSUER_MASTER_KEY))
        val (pan, psn, data) = Triple(v.getString("pan"), v.getString("psn"), bytes(v.getString("data")))
        val arqc = bytes(v.getString("arqc"))
        assertTrue(issuer.checkArqc(pan, psn, bytes("001C"), data, arqc, Cvn.VISA10))
        val bad = arqc.copyOf().also { it[7] = (it[7].toInt() xor 1).toByte() }
        assertFalse(issuer.checkArqc(pan, psn, bytes("001C"), data, bad, Cvn.VISA10))
        val e = assertThrows(PoscoreException.Emv::class.java) { issuer.checkArqc(pan, psn, bytes("1C"), data, arqc, Cvn.VISA10) }
        assertEquals("emv.bad_length", e.code)
        assertTrue(e.detail.startsWith("atc"), e.detail)
        assertEquals("emv.unsupported_cvn", assertThrows(PoscoreException.Emv::class.java) { Emv.cvn(22) }.code)
        assertEquals(18, emvCvnNumber(Emv.cvn(18)).toInt())
        // The issuer master key only derives; toString shows its check value, never the key.
        val imk = key(v.getString("imk"), KeyUsage.ISSUER_MASTER_KEY)
        assertEquals("keys.wrong_usage", assertThrows(PoscoreException.Keys::class.java) { Emv.arqc(imk, Cvn.VISA10, data) }.code)
        assertTrue(issuer.toString().contains("IssuerMasterKey") && !issuer.toString().contains(v.getString("imk")), issuer.toString())
    }
}
