package org.poscore

import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.io.File

/** The published test TMK and the demo identity, for both classes below. */
private val tmk = Key.dangerousFromHex(KeyAlgorithm.TDES2, KeyUsage.KEY_ENCRYPTION, "0123456789ABCDEFFEDCBA9876543210")
private val config = JSONObject()
    .put("terminal_id", "12345678")
    .put("merchant_id", "898310048160001")
    .put("merchant_name", "poscore 测试商户")
    .toString()

/**
 * A damaged journal on the JVM: the engine refuses it with the T801 diagnosis, and
 * `PosTerminal.recover` opens it (keys dropped, so sign on again). The attacks themselves are
 * tested in the core (tests/sim/tests/tamper.rs); this proves the path reaches Kotlin. No
 * network: a sign-on request writes the journal (its STAN lease) before anything is sent.
 */
class JournalRecoveryTest {
    @TempDir
    lateinit var dir: File

    private val sealingKey = ByteArray(32) { 7 }

    private fun store() = FileStore(File(dir, "journal"), sealingKey)

    /** A journal with the sign-on's STAN lease in it, then that lease deleted behind the engine's back. */
    private fun damagedJournal() {
        store().use { s ->
            Terminal(config, tmk, s, 1uL, 1_000uL).use { t ->
                t.start("""{"type":"sign_on"}""", 1_000uL)
                assertTrue(t.pollTransmit() != null, "the 0800 is out")
            }
            assertTrue(s.get("term/stan") != null)
            s.apply(listOf(StoreOp.Delete("term/stan")))
        }
    }

    @Test
    fun `a damaged journal is refused with the T801 diagnosis and recover opens it`() {
        damagedJournal()
        val e = store().use { s -> assertThrows<PoscoreException.Terminal> { Terminal(config, tmk, s, 2uL, 0uL) } }
        assertEquals("terminal.journal_damaged", e.code)
        val diagnosis = JSONObject(e.diagnosisJson ?: error("no diagnosis: ${e.detail}"))
        assertEquals("T801", diagnosis.getJSONObject("entry").getString("code"))

        val recovered = PosTerminal.recover(config, tmk, store(), SocketTransport("127.0.0.1", 9), seed = 3)
        recovered.terminal.use { pos ->
            val damage = JSONArray(recovered.damageJson)
            assertEquals("manifest_mismatch", damage.getJSONObject(0).getString("problem"))
            assertFalse(pos.engine.isSignedOn(), "sign on again after a recovery")
            assertNull(pos.settlementOwedJson())
        }
        // The recovered journal is intact.
        store().use { s -> Terminal(config, tmk, s, 4uL, 0uL).close() }
    }
}

/** A counter in memory: what a Keystore- or server-backed counter does, for the test. */
class MemoryCounter : HostRollbackGuard {
    @Volatile var value: ULong = 0uL
    override fun current(): ULong = value
    override fun advance(seq: ULong) {
        check(seq >= value) { "the counter never goes back" }
        value = seq
    }
}

class RollbackGuardTest {
    @TempDir
    lateinit var dir: File


    @Test
    fun `a restored older copy of the journal is refused when the app has a counter`() {
        val journal = File(dir, "journal")
        val counter = MemoryCounter()
        val key = ByteArray(32) { 9 }
        val copy = File(dir, "copy")
        FileStore(journal, key).use { s ->
            Terminal(config, tmk, s, 1uL, 1_000uL, counter).use { t ->
                t.start("""{"type":"sign_on"}""", 1_000uL)
                assertTrue(t.pollTransmit() != null)
            }
        }
        journal.copyRecursively(copy) // the copy an attacker keeps
        FileStore(journal, key).use { s ->
            Terminal(config, tmk, s, 2uL, 2_000uL, counter).use { t ->
                t.start("""{"type":"sign_on"}""", 2_000uL) // the journal moves on
            }
        }
        assertTrue(counter.value > 0uL)
        val e = FileStore(copy, key).use { s ->
            assertThrows<PoscoreException.Terminal> { Terminal(config, tmk, s, 3uL, 0uL, counter) }
        }
        assertEquals("terminal.journal_damaged", e.code)
        assertTrue(e.detail.contains("rollback counter"), e.detail)
    }
}
