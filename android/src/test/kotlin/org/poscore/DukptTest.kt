package org.poscore

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.poscore.CryptoVectors.bytes
import org.poscore.CryptoVectors.hex
import org.poscore.Vectors.optStringOrNull

/** tests/vectors/dukpt.json through [Dukpt] and [DukptTerminal]. */
class DukptTest {
    private val file = Vectors.load("dukpt")

    /** TDES when the vector says so or carries a 10-byte KSN; AES (by key length) otherwise. */
    private fun bdk(v: JSONObject): Key {
        val tenByteKsn = listOf("ksn", "start_ksn").any { v.optStringOrNull(it)?.length == 20 }
        val scheme = v.optStringOrNull("scheme")
        val tdes = scheme == "tdes" || (tenByteKsn && scheme == null)
        return CryptoVectors.key(if (tdes) "tdes2" else "aes", KeyUsage.BDK, v.getString("bdk"))
    }

    private fun hexOf(k: Key?): String? = k?.let { hex(it.dangerousExport()) }

    @TestFactory
    fun tdes(): List<DynamicTest> = Vectors.cases(file, "tdes") { v ->
        val k = Dukpt.derive(bdk(v), bytes(v.getString("ksn")))
        val fields = mapOf(
            "ipek" to k.ipek,
            "transaction_key" to k.transactionKey,
            "pin_key" to k.pinKey,
            "mac_request_key" to k.macRequestKey,
            "mac_response_key" to k.macResponseKey,
            "data_request_key" to k.dataRequestKey,
            "data_response_key" to k.dataResponseKey,
        )
        for ((field, key) in fields) v.optStringOrNull(field)?.let { assertEquals(it, hexOf(key), "$field $v") }
        assertEquals(hexOf(k.transactionKey), hexOf(Dukpt.deriveTransactionKey(bdk(v), bytes(v.getString("ksn")))))
    }

    @TestFactory
    fun tdesPinBlocks(): List<DynamicTest> = Vectors.cases(file, "tdes_pin_blocks") { v ->
        val pinKey = Dukpt.derive(bdk(v), bytes(v.getString("ksn"))).pinKey
        val format = v.getInt("format")
        val pan = v.getString("pan")
        assertEquals(v.getString("pin"), PinBlock.dangerousDecrypt(pinKey, bytes(v.getString("pin_block")), format, pan))
        assertEquals(v.getString("pin_block"), hex(PinBlock.encrypt(pinKey, v.getString("pin"), format, pan, seed = 0)))
    }

    @TestFactory
    fun tdesData(): List<DynamicTest> = Vectors.cases(file, "tdes_data") { v ->
        val k = Dukpt.derive(bdk(v), bytes(v.getString("ksn")))
        val data = bytes(v.getString("data"))
        val padded = data.copyOf((data.size + 7) / 8 * 8)
        assertEquals(v.getString("request_encrypted"), hex(Data.encrypt(k.dataRequestKey, padded)))
        assertEquals(v.getString("response_encrypted"), hex(Data.encrypt(k.dataResponseKey, padded)))
        assertEquals(hex(padded), hex(Data.decrypt(k.dataRequestKey, bytes(v.getString("request_encrypted")))))
        assertEquals(v.getString("request_mac"), hex(Mac.x919(k.macRequestKey, data)))
        assertEquals(v.getString("response_mac"), hex(Mac.x919(k.macResponseKey, data)))
    }

    @TestFactory
    fun aes(): List<DynamicTest> = Vectors.cases(file, "aes") { v ->
        val usage = CryptoVectors.dukptUsage(v.getString("key_usage"))
        val type = CryptoVectors.keyType(v.getString("key_type"))
        val ksn = bytes(v.getString("ksn"))
        val k = Dukpt.aesDerive(bdk(v), ksn, usage, type)
        assertEquals(v.getString("initial_key"), hexOf(k.initialKey), "$v")
        v.optStringOrNull("derivation_key")?.let { assertEquals(it, hexOf(k.derivationKey), "$v") }
        assertEquals(v.getString("working_key"), hexOf(k.workingKey), "$v")
        assertEquals(v.getString("working_key"), hexOf(Dukpt.aesDerive(k.initialKey, ksn, usage, type).workingKey))
    }

    @TestFactory
    fun errors(): List<DynamicTest> = Vectors.cases(file, "errors") { v ->
        Vectors.expect(v, {
            val ksn = bytes(v.getString("ksn"))
            if (v.getString("scheme") == "tdes") {
                Dukpt.derive(bdk(v), ksn)
            } else {
                val usage = CryptoVectors.dukptUsage(v.getString("key_usage"))
                Dukpt.aesDerive(bdk(v), ksn, usage, CryptoVectors.keyType(v.getString("key_type")))
            }
        }) {}
    }

    @TestFactory
    fun tdesTerminal(): List<DynamicTest> = Vectors.cases(file, "tdes_terminal") { v ->
        val start = bytes(v.getString("start_ksn"))
        val ipek = Dukpt.ipek(bdk(v), start)
        val counter = v.getString("start_ksn").substring(12).toLong(16) and 0x1FFFFF
        val terminal = DukptTerminal.tdes(ipek, start, resume = counter != 0L)
        val txs = v.getJSONArray("transactions")
        for (i in 0 until txs.length()) {
            val tx = txs.getJSONObject(i)
            val got = terminal.nextTransaction()
            assertEquals(tx.getString("ksn"), hex(got.ksn))
            val block = PinBlock.encrypt(got.keys.pinKey, v.getString("pin"), 0, v.getString("pan"), seed = 0)
            assertEquals(tx.getString("pin_block"), hex(block), "$tx")
        }
    }

    @TestFactory
    fun aesTerminal(): List<DynamicTest> = Vectors.cases(file, "aes_terminal") { v ->
        val id = bytes(v.getString("initial_key_id"))
        val terminal = DukptTerminal.aes(Dukpt.aesInitialKey(bdk(v), id), id)
        val usage = CryptoVectors.dukptUsage(v.getString("key_usage"))
        val type = CryptoVectors.keyType(v.getString("key_type"))
        val txs = v.getJSONArray("transactions")
        for (i in 0 until txs.length()) {
            val tx = txs.getJSONObject(i)
            val got = terminal.nextTransaction()
            assertEquals(tx.getString("ksn"), hex(got.ksn()))
            assertEquals(tx.getString("working_key"), hexOf(got.workingKey(usage, type)), "$tx")
        }
    }

    @Test
    fun terminalStateSurvivesExportAndImport() {
        val bdk = Key.dangerousFromHex(KeyAlgorithm.TDES2, KeyUsage.BDK, "0123456789ABCDEFFEDCBA9876543210")
        val start = bytes("FFFF9876543210E00000")
        val t = DukptTerminal.tdes(Dukpt.ipek(bdk, start), start)
        t.nextTransaction()
        val back = TdesDukptTerminal.dangerousImportState(t.dangerousExportState())
        assertEquals(2uL, back.counter())
        assertFalse(back.isExhausted())
        assertEquals("FFFF9876543210E00002", hex(back.nextTransaction().ksn))
        val aesBdk = Key.dangerousFromHex(KeyAlgorithm.AES128, KeyUsage.BDK, "FEDCBA9876543210F1F1F1F1F1F1F1F1")
        val id = bytes("1234567890123456")
        val a = DukptTerminal.aes(Dukpt.aesInitialKey(aesBdk, id), id)
        a.nextTransaction()
        val tx = AesDukptTerminal.dangerousImportState(a.dangerousExportState()).nextTransaction()
        assertEquals("123456789012345600000002", hex(tx.ksn()))
        assertEquals(
            hexOf(Dukpt.aesDerive(aesBdk, tx.ksn()).workingKey),
            hexOf(tx.workingKey(DukptKeyUsage.PIN, KeyAlgorithm.AES128)),
        )
        val e = org.junit.jupiter.api.Assertions.assertThrows(PoscoreException.Dukpt::class.java) { Dukpt.derive(bdk, start) }
        assertEquals("dukpt.invalid_counter", e.code)
    }
}
