package org.poscore

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.io.BufferedReader
import java.io.File
import java.net.ServerSocket
import java.nio.file.Files
import java.util.concurrent.TimeUnit
import kotlin.concurrent.thread

/**
 * [SocketTransport] over TLS against the acquirer simulator serving TLS (`poscore-sim
 * --tls-cert/--tls-key [--tls-client-ca]`), with the test PKI of `tests/sim/examples/test-pki`
 * (`POSCORE_TEST_PKI` names a directory already holding it; otherwise it is minted per run):
 * sales verified by a CA, pins or both, mutual TLS; each refusal reported with its diagnosis
 * (T111-T115), nothing sent and nothing reversed; a line cut after the request was written
 * reverses.
 */
class TlsTest {
    @TempDir
    lateinit var dir: File

    private val tmk = e2eTmk()
    private val config = e2eConfig()
    private val sealingKey = ByteArray(32) { (it * 7).toByte() }

    /** The simulator serving TLS with `<cert>.pem`/`<cert>.key` of the test PKI. */
    private class Sim(cert: String, clientCa: Boolean = false, script: String = "") : AutoCloseable {
        val process: Process
        val port: Int
        private val out: BufferedReader

        init {
            val args = mutableListOf(
                "--port", "0", "--seed", "7", "--stdin-lifetime", "--late-ms", "300",
                "--tls-cert", pki("$cert.pem").path, "--tls-key", pki("$cert.key").path,
            )
            if (clientCa) args += listOf("--tls-client-ca", pki("client-ca.pem").path)
            if (script.isNotEmpty()) args += listOf("--script", script)
            process = ProcessBuilder(listOf(simPath().path) + args).redirectError(ProcessBuilder.Redirect.INHERIT).start()
            out = process.inputStream.bufferedReader()
            val first = JSONObject(out.readLine() ?: error("simulator printed nothing"))
            assertTrue(first.optBoolean("tls"), "serving TLS: $first")
            port = first.getInt("port")
        }

        /** Requests of [mti] the simulator read (its ledger, through the `dump` control line). */
        fun requests(mti: String): Int {
            process.outputStream.apply { write("dump\n".toByteArray()); flush() }
            val reply = JSONObject(out.readLine() ?: error("simulator closed"))
            return reply.getJSONObject("ledger").getJSONObject("requests").optInt(mti, 0)
        }

        override fun close() {
            process.outputStream.close()
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroy()
        }
    }

    private fun terminal(sim: Sim, tls: TlsOptions) = PosTerminal.open(
        config.toString(),
        tmk,
        FileStore(File(dir, "journal"), sealingKey.copyOf()),
        SocketTransport("127.0.0.1", sim.port, tls = tls),
        seed = 42,
    )

    private fun sale(amount: Long) = JSONObject()
        .put("type", "sale").put("amount", amount)
        .put("card", JSONObject().put("type", "chip").put("pan", "6212345678901232").put("card_seq", "001").put("icc_data", ICC))
        .put("pin", JSONObject().put("type", "clear").put("digits", "123456"))

    private fun types(events: List<JSONObject>) = events.map { it.getString("type") }
    private fun one(events: List<JSONObject>, type: String) = events.singleOrNull { it.getString("type") == type }
        ?: error("no single $type in ${types(events)}: $events")
    private fun code(event: JSONObject) = event.getJSONObject("diagnosis").getJSONObject("entry").getString("code")

    private fun PosTerminal.run(request: JSONObject) = run(request.toString()).map { JSONObject(it) }

    private fun signOn(t: PosTerminal) {
        val ev = t.run(JSONObject().put("type", "sign_on"))
        assertTrue("signed_on" in types(ev), "sign-on: $ev")
    }

    private fun caOnly() = TlsOptions(caPem = pem("ca.pem"))

    private fun assertApprovedOver(sim: Sim, tls: TlsOptions) {
        terminal(sim, tls).use { t ->
            signOn(t)
            one(t.run(sale(1_234)), "approved")
            assertTrue(t.engine.pendingStans().isEmpty())
        }
        assertEquals(1, sim.requests("0200"))
    }

    /**
     * Signs on over the good host, then a sale against a host presenting [cert], which [tls]
     * refuses: failed with [code], nothing reached the host, nothing pending or reversed.
     */
    private fun refused(cert: String, tls: TlsOptions, code: String) {
        Sim("server").use { good -> terminal(good, caOnly()).use { signOn(it) } }
        Sim(cert).use { bad ->
            terminal(bad, tls).use { t ->
                val events = t.run(sale(1_000))
                val failed = one(events, "failed")
                assertEquals(code, code(failed), "$failed")
                assertFalse(failed.getBoolean("reversal_pending"), "$failed")
                assertTrue(types(events).none { it == "reversal_pending" || it == "reversal_sent" }, "${types(events)}")
                assertTrue(t.engine.pendingStans().isEmpty(), "nothing to reverse")
                assertTrue(t.flush().none { JSONObject(it).optString("mti") == "0400" }, "no reversal sent")
            }
            assertEquals(0, bad.requests("0200"), "nothing reached the host")
            assertEquals(0, bad.requests("0400"))
        }
    }

    @Test
    fun `sign-on and a sale over TLS verified by the CA`() {
        Sim("server").use { assertApprovedOver(it, caOnly()) }
    }

    @Test
    fun `a sale over TLS verified by a pinned CA key alone`() {
        Sim("server").use { assertApprovedOver(it, TlsOptions(pins = listOf(pin("ca")))) }
    }

    @Test
    fun `a sale over TLS verified by the CA and a pinned host key`() {
        Sim("server").use { assertApprovedOver(it, caOnly().copy(pins = listOf(pin("server")))) }
    }

    @Test
    fun `mutual TLS with the terminal certificate`() {
        val tls = caOnly().copy(clientCertPem = pem("client.pem"), clientKeyPem = pem("client.key"))
        Sim("server", clientCa = true).use { assertApprovedOver(it, tls) }
    }

    @Test
    fun `a certificate from another CA is refused before anything is sent (T112)`() {
        refused("server", TlsOptions(caPem = pem("rogue-ca.pem")), "T112")
    }

    @Test
    fun `an expired certificate is refused before anything is sent (T111)`() {
        refused("expired", caOnly(), "T111")
    }

    @Test
    fun `a pin mismatch is refused before anything is sent (T113)`() {
        // Pins only: the good host's chain holds no pinned key.
        refused("server", TlsOptions(pins = listOf(pin("rogue"))), "T113")
        // CA and pin: the chain verifies, the key is not the pinned one.
        refused("server", caOnly().copy(pins = listOf(pin("rogue"))), "T113")
    }

    @Test
    fun `a certificate for another name is refused before anything is sent (T114)`() {
        refused("other-name", caOnly(), "T114")
    }

    @Test
    fun `a pin on a CA-issued host certificate alone is not a trust anchor (as in Rust)`() {
        refused("server", TlsOptions(pins = listOf(pin("server"))), "T112")
    }

    @Test
    fun `a line cut after the request was written reverses the sale`() {
        Sim("server", script = "0200:line_drop").use { sim ->
            terminal(sim, caOnly()).use { t ->
                signOn(t)
                val failed = one(t.run(sale(2_000)), "failed")
                assertEquals("T104", code(failed), "$failed")
                assertTrue(failed.getBoolean("reversal_pending"), "$failed")
                assertEquals(1, t.engine.pendingStans().size)
                val flushed = t.flush().map { JSONObject(it) }
                assertTrue("reversal_cleared" in types(flushed), "reversal acknowledged: ${types(flushed)}")
                assertTrue(t.engine.pendingStans().isEmpty())
            }
            assertEquals(1, sim.requests("0200"))
            assertEquals(1, sim.requests("0400"), "one reversal reached the host")
        }
    }

    @Test
    fun `a host requiring a client certificate the terminal lacks processes nothing`() {
        // TLS 1.3: the terminal's handshake is over before the host checks the client
        // certificate, so the refusal is only seen when the request is written (a send failure,
        // T106, or a line drop, T104, whichever the socket sees first): "may have left", as in
        // the Rust driver. A sign-on is not reversed; the host never read the message.
        Sim("server", clientCa = true).use { sim ->
            terminal(sim, caOnly()).use { t ->
                val events = t.run(JSONObject().put("type", "sign_on"))
                assertFalse("signed_on" in types(events), "${types(events)}")
                assertTrue(code(one(events, "failed")) in setOf("T104", "T106"), "$events")
            }
            assertEquals(0, sim.requests("0800"), "the host never read a message")
        }
    }

    @Test
    fun `a handshake the host never answers is a connect failure, anything else a handshake failure`() {
        ServerSocket(0).use { server ->
            // Accepts and stays silent: the handshake times out.
            val silent = thread { runCatching { server.accept().use { Thread.sleep(2_000) } } }
            val t = SocketTransport("127.0.0.1", server.localPort, connectTimeoutMs = 300, tls = caOnly())
            val e = assertThrows<TlsRefusedException> { t.send(byteArrayOf(1)) }
            assertEquals(CommFailure.CONNECT_FAILED, e.failure)
            assertFalse(t.connected)
            silent.interrupt()
        }
        ServerSocket(0).use { server ->
            // Answers the ClientHello in plain text: no TLS there.
            thread { runCatching { server.accept().use { it.getOutputStream().write("HTTP/1.0 400 Bad\r\n\r\n".toByteArray()) } } }
            val t = SocketTransport("127.0.0.1", server.localPort, tls = caOnly())
            val e = assertThrows<TlsRefusedException> { t.send(byteArrayOf(1)) }
            assertEquals(CommFailure.TLS_HANDSHAKE_FAILED, e.failure)
        }
    }

    @Test
    fun `options that would not verify the host are refused at construction`() {
        assertThrows<IllegalArgumentException> { TlsOptions() }
        assertThrows<IllegalArgumentException> { TlsOptions(pins = emptyList(), serverName = "localhost") }
        assertThrows<IllegalArgumentException> { TlsOptions(pins = listOf("sha256/nope")) }
        assertThrows<IllegalArgumentException> { TlsOptions(pins = listOf("sha1/" + pin("ca").removePrefix("sha256/"))) }
        assertThrows<IllegalArgumentException> { TlsOptions(caPem = pem("ca.pem"), clientKeyPem = pem("client.key")) }
        assertThrows<IllegalArgumentException> { SocketTransport("127.0.0.1", 1, tls = TlsOptions(caPem = "not a PEM")) }
        assertThrows<IllegalArgumentException> {
            SocketTransport("127.0.0.1", 1, tls = caOnly().copy(clientCertPem = pem("client.pem"), clientKeyPem = pem("client.pem")))
        }
        val shown = caOnly().copy(clientCertPem = pem("client.pem"), clientKeyPem = pem("client.key")).toString()
        assertFalse(shown.contains("PRIVATE KEY") || shown.contains(pem("client.key").lines()[1]), shown)
    }

    @Test
    fun `pins computed here agree with the Rust ones`() {
        val pins = JSONObject(pem("pins.json"))
        assertEquals(listOf(pins.getString("ca")), TlsOptions.pinsOf(pem("ca.pem")))
        assertEquals(listOf(pins.getString("server"), pins.getString("ca")), TlsOptions.pinsOf(pem("server.pem")))
        assertEquals(pins.getString("rogue_ca"), TlsOptions.pinsOf(pem("rogue-ca.pem")).single())
    }

    private companion object {
        const val ICC =
            "9F26087D069678427840429F2701809F100706010A03A000009F37045A3B2C1D9F36020001950500000000009A032611239C01009F02060000000000005F2A02015682027C009F1A0201564F08A0000003330101015008556E696F6E506179"

        fun simPath() = File(System.getProperty("poscore.sim") ?: "../target/debug/poscore-sim")

        /** The test PKI: `POSCORE_TEST_PKI`, else minted once per run by `test-pki` (built if missing). */
        val pkiDir: File by lazy {
            System.getenv("POSCORE_TEST_PKI")?.takeIf { it.isNotBlank() }?.let { return@lazy File(it) }
            val bin = File(simPath().absoluteFile.parentFile, "examples/test-pki")
            if (!bin.canExecute()) {
                val root = simPath().absoluteFile.parentFile.parentFile.parentFile
                val build = ProcessBuilder("cargo", "build", "-q", "-p", "poscore-sim", "--example", "test-pki")
                    .directory(root).inheritIO().start()
                check(build.waitFor() == 0) { "cargo build --example test-pki failed" }
            }
            val out = Files.createTempDirectory("poscore-pki").toFile()
            Runtime.getRuntime().addShutdownHook(Thread { out.deleteRecursively() })
            val p = ProcessBuilder(bin.path, "--out", out.path).redirectErrorStream(true).start()
            val log = p.inputStream.bufferedReader().readText()
            check(p.waitFor() == 0) { "test-pki failed: $log" }
            out
        }

        fun pki(name: String) = File(pkiDir, name)
        fun pem(name: String) = pki(name).readText()

        fun pin(name: String): String = JSONObject(pem("pins.json")).getString(name)
    }
}
