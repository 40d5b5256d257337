package org.poscore

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.io.File

/**
 * The engine's config as JSON: `snake_case` keys, the identity required, an unknown or
 * camelCased key refused with the key named (never ignored while the engine runs on a test
 * identity); and the file store sealed unless opened through the explicit insecure call.
 */
class TerminalConfigTest {
    @TempDir
    lateinit var dir: File

    private val tmk = Key.dangerousFromHex(KeyAlgorithm.TDES2, KeyUsage.KEY_ENCRYPTION, "0123456789ABCDEFFEDCBA9876543210")
    private val identity = JSONObject()
        .put("terminal_id", "12345678")
        .put("merchant_id", "898310048160001")
        .put("merchant_name", "poscore 测试商户")

    private fun withStore(f: (FileStore) -> Unit) =
        FileStore(File(dir, "journal"), ByteArray(32) { it.toByte() }).use(f)

    private fun refused(config: JSONObject): PoscoreException.Terminal {
        var error: PoscoreException.Terminal? = null
        withStore { store ->
            error = assertThrows<PoscoreException.Terminal> { Terminal(config.toString(), tmk, store, 1uL, 0uL) }
        }
        return error!!.also { assertEquals("terminal.bad_config", it.code) }
    }

    private fun copy(o: JSONObject) = JSONObject(o.toString())

    @Test
    fun `the identity is enough, every other setting defaults`() {
        withStore { store -> Terminal(identity.toString(), tmk, store, 1uL, 0uL).close() }
    }

    @Test
    fun `a misspelled key is refused and named`() {
        val e = refused(copy(identity).put("terminalID", "87654321"))
        assertTrue(e.detail.contains("unknown field `terminalID`"), e.detail)
        assertTrue(e.detail.contains("expected one of"), e.detail)
    }

    @Test
    fun `camelCase keys are refused, not ignored`() {
        val camel = JSONObject()
            .put("terminalId", "87654321")
            .put("merchantId", "898310048160001")
            .put("merchantName", "x")
        val e = refused(camel)
        assertTrue(Regex("unknown field `(terminalId|merchantId|merchantName)`").containsMatchIn(e.detail), e.detail)
        val e2 = refused(copy(identity).put("responseTimeoutMs", 800))
        assertTrue(e2.detail.contains("unknown field `responseTimeoutMs`"), e2.detail)
    }

    @Test
    fun `each identity field is required`() {
        for (field in listOf("terminal_id", "merchant_id", "merchant_name")) {
            val config = copy(identity).apply { remove(field) }
            val e = refused(config)
            assertTrue(e.detail.contains("missing field `$field`"), "$field: ${e.detail}")
        }
    }

    @Test
    fun `the file store is sealed unless opened as openUnsealedInsecure`() {
        FileStore(File(dir, "sealed"), ByteArray(32) { 1 }).use { it.apply(listOf(StoreOp.Put("k", byteArrayOf(1)))) }
        // The sealed journal does not open through the insecure door either.
        val e = assertThrows<PoscoreException.Store> { FileStore.openUnsealedInsecure(File(dir, "sealed")) }
        assertEquals("store.sealed_key_mismatch", e.code)
        FileStore.openUnsealedInsecure(File(dir, "plain")).use { store ->
            store.apply(listOf(StoreOp.Put("k", byteArrayOf(2))))
            assertEquals(2, store.get("k")?.single()?.toInt())
        }
    }
}
