package org.poscore

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.io.File
import java.util.concurrent.TimeUnit

/**
 * The engine driven from the JVM over loopback TCP against the acquirer simulator
 * (`poscore-sim`, built by Maven in generate-test-resources), with the journal in a [FileStore].
 */
class TerminalE2ETest {
    @TempDir
    lateinit var dir: File

    private val tmk = e2eTmk()
    private val config = e2eConfig()

    private class Sim(script: String) : AutoCloseable {
        val process: Process
        val port: Int

        init {
            val args = mutableListOf("--port", "0", "--seed", "7", "--stdin-lifetime", "--late-ms", "300")
            if (script.isNotEmpty()) args += listOf("--script", script)
            process = ProcessBuilder(listOf(System.getProperty("poscore.sim") ?: "../target/debug/poscore-sim") + args)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start()
            val line = process.inputStream.bufferedReader().readLine() ?: error("simulator printed nothing")
            port = JSONObject(line).getInt("port")
        }

        override fun close() {
            process.outputStream.close()
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroy()
        }
    }

    // Sealed, as a production terminal's journal should be (records hold the PAN and field 55).
    private val sealingKey = ByteArray(32) { (it * 7).toByte() }

    private fun terminal(sim: Sim) = PosTerminal.open(
        config.toString(),
        tmk,
        FileStore(File(dir, "journal"), sealingKey.copyOf()),
        SocketTransport("127.0.0.1", sim.port),
        seed = 42,
    )

    private fun sale(amount: Long) = JSONObject()
        .put("type", "sale").put("amount", amount)
        .put(
            "card",
            // The card sequence number (23) is part of the card's key derivation: the simulated
            // issuer checks the ARQC in ICC under it.
            JSONObject().put("type", "chip").put("pan", "6212345678901232").put("card_seq", "001").put("icc_data", ICC),
        )
        .put("pin", JSONObject().put("type", "clear").put("digits", "123456"))

    private fun types(events: List<JSONObject>) = events.map { it.getString("type") }
    private fun sent(events: List<JSONObject>) = events.filter { it.getString("type") == "sending" }.map { it.getString("mti") }
    private fun one(events: List<JSONObject>, type: String) = events.single { it.getString("type") == type }

    private fun PosTerminal.run(request: JSONObject) = run(request.toString()).map { JSONObject(it) }

    private fun signOn(t: PosTerminal) {
        val ev = t.run(JSONObject().put("type", "sign_on"))
        assertTrue("signed_on" in types(ev), "sign-on: ${types(ev)}")
        assertTrue(t.engine.isSignedOn())
    }

    @Test
    fun `sign on, chip sale, decline 51 with diagnosis, settlement balanced`() {
        Sim("").use { sim ->
            terminal(sim).use { t ->
                signOn(t)
                val ok = t.run(sale(1_000))
                val approved = one(ok, "approved")
                assertTrue(approved.toString().contains("6212"), "receipt carries the (masked) card")
                assertTrue(t.engine.pendingStans().isEmpty())

                val declined = t.run(sale(100_000_001)) // above the test account's 1,000,000.00
                val d = one(declined, "declined").getJSONObject("diagnosis")
                assertTrue(d.toString().contains("\"51\""), "diagnosis names 51: $d")
                assertTrue(Response.explain("51", "zh").operatorText.isNotBlank())
                assertTrue(Response.explain("51", "en").operatorText.isNotBlank())

                val settle = t.run(JSONObject().put("type", "settle"))
                assertTrue("settlement_balanced" in types(settle), "settlement: ${types(settle)}")
            }
        }
    }

    @Test
    fun `timeout leaves a reversal that goes out before the next sale`() {
        Sim("0200:timeout").use { sim ->
            terminal(sim).use { t ->
                signOn(t)
                val lost = t.run(sale(2_000))
                assertEquals(listOf("0200"), sent(lost))
                val failed = one(lost, "failed")
                assertTrue(failed.getBoolean("reversal_pending"), "failed: $failed")
                assertEquals(1, t.engine.pendingStans().size)

                val next = t.run(sale(3_000))
                assertEquals(listOf("0400", "0200"), sent(next), "reversal first: ${types(next)}")
                val kinds = types(next)
                assertTrue(kinds.indexOf("reversal_cleared") in 0 until kinds.indexOf("approved"), "order: $kinds")
                assertTrue(t.engine.pendingStans().isEmpty())
            }
        }
    }

    @Test
    fun `a restarted terminal over the same FileStore sends the pending reversal first`() {
        Sim("0200:timeout").use { sim ->
            terminal(sim).use { t ->
                signOn(t)
                assertTrue(one(t.run(sale(4_000)), "failed").getBoolean("reversal_pending"))
            }
            terminal(sim).use { t ->
                assertEquals(1, t.engine.pendingStans().size, "the reversal survived the restart")
                val next = t.run(sale(5_000))
                assertEquals("0400", sent(next).first(), "reversal first after restart: ${types(next)}")
                assertTrue("reversal_cleared" in types(next))
                assertTrue("approved" in types(next), "events: ${types(next)}")
                assertFalse(t.engine.pendingStans().isNotEmpty())
            }
        }
    }

    @Test
    fun `card pulled after the approval turns it into a reversal, sent at once`() {
        Sim("").use { sim ->
            terminal(sim).use { t ->
                signOn(t)
                val approved = one(t.run(sale(6_000)), "approved")
                val stan = approved.getString("stan")
                val diagnosis = JSONObject(t.cardFailedAfterApproval(stan, CardFailure.CARD_REMOVED))
                assertEquals("reverse", diagnosis.getString("action"), "diagnosis: $diagnosis")
                val sent = t.flush()
                assertTrue(sent.any { JSONObject(it).optString("mti") == "0400" }, "reversal sent: $sent")
                assertTrue(t.engine.pendingStans().isEmpty())
            }
        }
    }

    @Test
    fun `echo test, TMS downloads with verified CA public keys, field 59 entries, settlement with its upload`() {
        Sim("").use { sim ->
            val t = terminal(sim)
            assertTrue("echo_answered" in types(t.run(JSONObject().put("type", "echo_test"))))
            signOn(t)
            val keys = t.run(JSONObject().put("type", "download_ca_public_keys"))
            val count = one(keys, "downloaded").getInt("count")
            assertTrue(count >= 3, "keys: $count")
            assertEquals(count + 1, sent(keys).count { it == "0800" }, "one download per key and the end")
            val held = JSONObject(t.hostDataJson()).getJSONArray("ca_public_keys")
            assertEquals(count, held.length())
            assertEquals(40, held.getJSONObject(0).getString("checksum").length)
            t.run(JSONObject().put("type", "download_parameters"))
            assertFalse(JSONObject(t.hostDataJson()).isNull("params"))
            t.setTerminalInfoEntry("17", "+31.2304+121.4737")
            assertEquals("approved", types(t.run(sale(1_000))).first { it == "approved" })
            val settle = t.run(JSONObject().put("type", "settle"))
            assertEquals(listOf("0500", "0320", "0320"), sent(settle))
            assertEquals(1, one(settle, "batch_uploaded").getInt("count"))
            assertEquals(0, one(settle, "settlement_balanced").getJSONObject("totals").getInt("foreign_debit_count"))
            // Chip completion: the issuer's data for the card, then the card's TC and script results.
            val approved = one(t.run(sale(2_000)), "approved")
            assertEquals("3030", approved.getJSONObject("issuer_response").getString("arc"))
            val out = t.completeChip(
                approved.getString("stan"),
                ChipResult("1122334455667788", "40", null, null, null, "2000000001"),
            )
            assertTrue(out.completed && out.scriptAdvice && !out.reversalPending)
            val next = t.run(sale(300))
            assertEquals(listOf("0620", "0200"), sent(next))
            assertEquals(approved.getString("stan"), one(next, "script_advice_delivered").getString("stan"))
        }
    }

    @Test
    fun `outage - a sale cannot connect, an offline sale is stored, then forwarded (0220) before the next sale after a restart`() {
        val offlineConfig = JSONObject(config.toString()).put("offline", JSONObject().put("enabled", true))
        val deadPort = java.net.ServerSocket(0).use { it.localPort } // nothing listens there now
        fun open(port: Int) = PosTerminal.open(
            offlineConfig.toString(),
            tmk,
            FileStore(File(dir, "journal"), sealingKey.copyOf()),
            SocketTransport("127.0.0.1", port),
            seed = 42,
        )
        // The card after it approved offline: 9F27 = 40, a TC.
        val offlineSale = JSONObject()
            .put("type", "offline_sale").put("amount", 2_345).put("reason", "host_unreachable")
            .put(
                "card",
                JSONObject().put("type", "chip").put("pan", "6212345678901232").put("card_seq", "001")
                    .put("icc_data", ICC.replace("9F270180", "9F270140")),
            )
        Sim("").use { sim ->
            open(sim.port).use { signOn(it) }
            open(deadPort).use { t ->
                val failed = one(t.run(sale(1_000)), "failed")
                assertFalse(failed.getBoolean("reversal_pending"), "nothing left: $failed")
                val stored = one(t.run(offlineSale), "stored_offline")
                assertEquals("T951", stored.getJSONObject("diagnosis").getJSONObject("entry").getString("code"))
                assertTrue(stored.getJSONObject("receipt").getString("response_text").contains("OFFLINE"))
                assertEquals(1, t.engine.pendingStans().size)
            }
            open(sim.port).use { t ->
                val next = t.run(sale(500))
                assertEquals(listOf("0220", "0200"), sent(next), "forwarded first: ${types(next)}")
                assertEquals(2_345, one(next, "offline_forwarded").getInt("amount"))
                assertTrue(t.engine.pendingStans().isEmpty())
            }
        }
    }

    @Test
    fun `the transaction log, a reprint, and a staff alert for an unbalanced settlement`() {
        Sim("0500:unbalanced").use { sim ->
            terminal(sim).use { t ->
                signOn(t)
                val ok = one(t.run(sale(1_000)), "approved")
                one(t.run(sale(100_000_001)), "declined")
                val page = JSONObject(t.queryLog())
                assertEquals(2, page.getInt("total"), "$page")
                assertFalse(page.toString().contains("6212345678901232"), "the log masks the card")
                val declined = JSONObject(t.queryLog(JSONObject().put("status", org.json.JSONArray().put("declined")).toString()))
                assertEquals(1, declined.getInt("total"))
                val e = org.junit.jupiter.api.assertThrows<PoscoreException.Terminal> { t.queryLog("{\"stann\":\"1\"}") }
                assertTrue(e.message!!.contains("stann"), "unknown keys refused: ${e.message}")
                val trail = org.json.JSONArray(t.auditTrail())
                assertEquals("signed_on", trail.getJSONObject(0).getString("what"))
                assertEquals(2, (0 until trail.length()).count { trail.getJSONObject(it).getString("what") == "message" })
                val slip = JSONObject(t.reprint(ok.getString("stan")))
                assertEquals(ok.getString("stan"), slip.getString("voucher_no"))
                val alerts = mutableListOf<String>()
                t.onAlert = { alerts += it }
                t.run(JSONObject().put("type", "settle"))
                assertTrue(alerts.any { JSONObject(it).getString("alert") == "settlement_unbalanced" }, "$alerts")
                // The settlement's report, its reprint, terminal totals and statistics.
                val last = JSONObject(t.lastSettlementReport() ?: error("no settlement report"))
                assertEquals("unbalanced", last.getJSONObject("domestic").getString("result"))
                val text = Report.settlementText(last.put("reprint", true).toString(), width = 48)
                assertTrue(text.contains(last.getString("batch")) && text.contains("重打印"), text)
                assertEquals("terminal_totals", JSONObject(t.terminalTotalsReport()).getString("kind"))
                val day = last.getString("date")
                val stats = t.statistics("day", day, day)
                assertEquals(1_000, JSONObject(stats).getJSONArray("rows").getJSONObject(0).getInt("gross"))
                assertTrue(String(Report.statistics(stats, "html"), Charsets.UTF_8).contains("<svg"))
                assertTrue(String(Report.statistics(stats, "csv"), Charsets.UTF_8).startsWith("period,label"))
                org.junit.jupiter.api.assertThrows<PoscoreException.Report> { Report.statistics("{}", "text") }
            }
        }
    }

    @Test
    fun `a sale before sign-on is refused with the diagnosis the operator sees (T501)`() {
        Sim("").use { sim ->
            terminal(sim).use { t ->
                val e = org.junit.jupiter.api.assertThrows<PoscoreException.Terminal> { t.run(sale(1_000)) }
                assertEquals("terminal.not_signed_on", e.code)
                val diagnosis = JSONObject(e.diagnosisJson ?: error("no diagnosis attached"))
                assertEquals("T501", diagnosis.getJSONObject("entry").getString("code"))
                assertTrue(diagnosis.getJSONObject("entry").getJSONObject("operator").getString("zh").isNotBlank())
            }
        }
    }

    @Test
    fun `the sealed journal does not open with another key`() {
        Sim("").use { sim -> terminal(sim).use { signOn(it) } }
        val e = org.junit.jupiter.api.assertThrows<PoscoreException.Store> { FileStore(File(dir, "journal"), ByteArray(32)) }
        assertEquals("store.sealed_key_mismatch", e.code)
    }

    private companion object {
        const val ICC =
            "9F26087D069678427840429F2701809F100706010A03A000009F37045A3B2C1D9F36020001950500000000009A032611239C01009F02060000000000005F2A02015682027C009F1A0201564F08A0000003330101015008556E696F6E506179"
    }
}

/** The simulator's TMK (the published test key) for the end-to-end tests. */
internal fun e2eTmk(): Key =
    Key.dangerousFromHex(KeyAlgorithm.TDES2, KeyUsage.KEY_ENCRYPTION, "0123456789ABCDEFFEDCBA9876543210")

/** The terminal configuration of the end-to-end tests (TerminalE2ETest, TlsTest). */
internal fun e2eConfig(): JSONObject = JSONObject()
    .put("terminal_id", "12345678") // the published test identity (required)
    .put("merchant_id", "898310048160001")
    .put("merchant_name", "poscore 测试商户")
    .put("response_timeout_ms", 1500)
    .put("reversal_backoff_ms", 200)
    .put("reversal_idle_delay_ms", 600_000)
    .put("stan_block", 10)
    .put("terminal_info", JSONObject().put("device_type", "04").put("serial_number", "JVM00000000000001").put("app_version", "jvm1"))
