package org.poscore

import java.io.IOException
import java.net.InetSocketAddress
import java.net.Socket
import java.net.SocketTimeoutException

/**
 * The acquirer link: opens a connection per message, as UnionPay terminals do (a late answer on
 * an old connection is thereby dropped by the network). [SocketTransport] speaks TCP or TLS;
 * implement it for a proxy or another link.
 */
interface Transport {
    /** Opens a new connection (closing any previous one) and writes [bytes]. */
    @Throws(IOException::class)
    fun send(bytes: ByteArray)

    /** Reads what arrives within [timeoutMs]: null on timeout, empty when the peer closed. */
    @Throws(IOException::class)
    fun receive(timeoutMs: Long): ByteArray?

    /** Closes the current connection, if any. */
    fun close()

    /** Whether a connection is open. */
    val connected: Boolean
}

/**
 * [Transport] over TCP (`java.net.Socket`), or over TLS when [tls] is given.
 *
 * With TLS, every connection completes its handshake, verified as [TlsOptions] says, within
 * [connectTimeoutMs] *before* the request is written, through the platform's TLS stack
 * (`SSLSocket`; Conscrypt on Android, so its security updates apply; endpoint identification
 * needs Android API 24). A refused handshake throws [TlsRefusedException] carrying the exact
 * [CommFailure] (`TLS_CERTIFICATE_EXPIRED`, `TLS_CERTIFICATE_UNTRUSTED`, `TLS_PIN_MISMATCH`,
 * `TLS_NAME_MISMATCH`, `TLS_HANDSHAKE_FAILED`; diagnoses T111–T115): nothing was sent, nothing
 * is reversed. A TLS error after the write (an alert, a bad record, a reset) is a line drop, as
 * on plain TCP: the request may have reached the host, so the engine reverses it.
 *
 * With TLS 1.3 and mutual TLS, a client certificate the acquirer refuses is only seen after the
 * terminal's side of the handshake is over, i.e. when the request is written: it is reported
 * as a send failure or a line drop (whichever the socket sees first), so a sale is reversed
 * although the acquirer, having refused the connection, processed nothing (as the Rust driver
 * does). Check the terminal certificate with the acquirer's test host before going live.
 *
 * @throws IllegalArgumentException at construction when a PEM of [tls] holds nothing usable or
 *   the server name is invalid.
 */
class SocketTransport @JvmOverloads constructor(
    private val host: String,
    private val port: Int,
    private val connectTimeoutMs: Int = 5_000,
    tls: TlsOptions? = null,
) : Transport {
    private val tls: TlsConnector? = tls?.let { TlsConnector(it, host) }
    private var socket: Socket? = null
    private val buf = ByteArray(4096)

    override val connected: Boolean get() = socket != null

    override fun send(bytes: ByteArray) {
        close()
        val tcp = Socket()
        try {
            tcp.tcpNoDelay = true
            tcp.connect(InetSocketAddress(host, port), connectTimeoutMs)
        } catch (e: IOException) {
            runCatching { tcp.close() }
            throw ConnectException(e)
        }
        // The handshake closes the socket and throws TlsRefusedException when it fails.
        val s = tls?.handshake(tcp, port, connectTimeoutMs) ?: tcp
        socket = s
        s.getOutputStream().apply { write(bytes); flush() }
    }

    override fun receive(timeoutMs: Long): ByteArray? {
        val s = socket ?: return ByteArray(0)
        s.soTimeout = timeoutMs.coerceIn(1, Int.MAX_VALUE.toLong()).toInt()
        return try {
            val n = s.getInputStream().read(buf)
            if (n < 0) ByteArray(0) else buf.copyOf(n)
        } catch (_: SocketTimeoutException) {
            null
        }
    }

    override fun close() {
        socket?.let { runCatching { it.close() } }
        socket = null
    }
}

/**
 * Thrown by [Transport.send] when the connection could not be opened: nothing was sent, so the
 * engine does not reverse. [failure] is what the run loop reports to the engine:
 * [CommFailure.CONNECT_FAILED], or a TLS refusal ([TlsRefusedException]).
 */
open class ConnectException @JvmOverloads constructor(
    cause: Throwable,
    val failure: CommFailure = CommFailure.CONNECT_FAILED,
) : IOException(cause) {
    init {
        require(failure != CommFailure.SEND_FAILED && failure != CommFailure.LINE_DROPPED) {
            "$failure is not a failure before sending"
        }
    }
}

/**
 * The transaction engine with its host loop: the Kotlin twin of the Rust `TcpDriver`. Each call
 * blocks until the engine is idle, so run it off the main thread (a coroutine on
 * `Dispatchers.IO`, a worker thread). Requests and events are the core's JSON, tagged by `type`
 * (events: `approved`, `declined`, `failed`, `reversal_sent`, ...); parse them with `org.json`
 * on Android (the library itself has no JSON dependency).
 */
class PosTerminal(
    val engine: Terminal,
    private val transport: Transport,
    private val clock: () -> Long = System::currentTimeMillis,
    /** Closed with the terminal (a [FileStore] releases its directory lock). */
    private val store: AutoCloseable? = null,
) : AutoCloseable {
    companion object {
        /**
         * An engine over [store]. [configJson]: the core `Config` as JSON with `snake_case`
         * keys; `terminal_id`, `merchant_id` and `merchant_name` are required, other missing
         * fields default, and a missing identity field or an unknown key (`terminalID`,
         * `terminalId`) throws `PoscoreException.Terminal` `terminal.bad_config` naming it.
         * The terminal owns the store from here: [close] closes it when it is [AutoCloseable].
         * [rollbackGuard]: a monotonic counter outside the journal (a Keystore-backed or server
         * counter), so a restored older copy of the journal is refused too; without one it
         * cannot be detected.
         */
        @Throws(PoscoreException::class)
        fun open(
            configJson: String,
            tmk: Key,
            store: HostStore,
            transport: Transport,
            seed: Long? = null,
            rollbackGuard: HostRollbackGuard? = null,
        ): PosTerminal {
            val now = System.currentTimeMillis()
            val engine = Terminal(configJson, tmk, store, seed?.toULong(), now.toULong(), rollbackGuard)
            return PosTerminal(engine, transport, store = store as? AutoCloseable)
        }

        /**
         * Opens a journal that [open] refused as damaged (`PoscoreException.Terminal`
         * `terminal.journal_damaged`, diagnosis T801), once a copy was kept for audit: untrusted
         * records move under `audit/`, the STAN counter jumps ahead and the keys are dropped, so
         * sign on again, then settle with the host. [Recovered.damageJson] says what was wrong.
         */
        @Throws(PoscoreException::class)
        fun recover(
            configJson: String,
            tmk: Key,
            store: HostStore,
            transport: Transport,
            seed: Long? = null,
            rollbackGuard: HostRollbackGuard? = null,
        ): Recovered {
            val now = System.currentTimeMillis().toULong()
            val engine = Terminal.recover(configJson, tmk, store, seed?.toULong(), now, rollbackGuard)
            return Recovered(PosTerminal(engine, transport, store = store as? AutoCloseable), engine.recoveryDamageJson())
        }
    }

    /** A terminal opened by [recover], and what was wrong with its journal (a JSON array). */
    data class Recovered(val terminal: PosTerminal, val damageJson: String)

    /** The settlement owed to the host (JSON: batch, totals, uploading, attempts, exhausted), or null. */
    @Throws(PoscoreException::class)
    fun settlementOwedJson(): String? = engine.settlementOwedJson()

    /** What the host's TMS downloads brought and what reply headers asked for (JSON: params, ca_public_keys, aid_params, host_tasks). */
    @Throws(PoscoreException::class)
    fun hostDataJson(): String = engine.hostDataJson()

    /** Sets (or, with null, removes) a field 59 entry after A2: location, SIM ICCID... */
    @Throws(PoscoreException::class)
    fun setTerminalInfoEntry(tag: String, value: String?) = engine.setTerminalInfoEntry(tag, value)

    private fun now() = clock().toULong()

    /**
     * Called with every staff alert (a `staff_alert` event's JSON: reversal exhausted or pending
     * too long, settlement unbalanced, keys rejected, offline payment declined or stored too long)
     * as it happens, from the thread running [run] or [flush]: notify staff from here.
     */
    @Volatile
    var onAlert: ((String) -> Unit)? = null

    /**
     * The transaction log (交易查询): [queryJson] is the core `LogQuery` (`from_date`, `to_date`,
     * `stan`, `rrn`, `batch`, `status`, `kind`, `entry`, `operator`, `min_amount`, `max_amount`,
     * `offset`, `limit`; all optional, unknown keys refused). Returns `LogPage` JSON
     * (`total`, `offset`, `entries`), newest first, cards masked.
     */
    @Throws(PoscoreException::class)
    fun queryLog(queryJson: String = "{}"): String = engine.queryLog(queryJson)

    /**
     * The audit trail between [from] and [to] (unix ms) as a JSON array, oldest first: messages
     * with their send and answer times, and notes (sign-on, settlement, operator decisions, staff
     * alerts). Cards masked.
     */
    @Throws(PoscoreException::class)
    fun auditTrail(from: Long = 0, to: Long = Long.MAX_VALUE): String = engine.auditTrail(from.toULong(), to.toULong())

    /** The open batch's terminal totals (终端统计) as `SettlementReport` JSON; render with [Report]. */
    @Throws(PoscoreException::class)
    fun terminalTotalsReport(): String = engine.terminalTotalsReport(now())

    /** The last settlement's report as `SettlementReport` JSON (set `reprint` to reprint it), or null. */
    @Throws(PoscoreException::class)
    fun lastSettlementReport(): String? = engine.lastSettlementReport()

    /** Sales statistics ([period]: `day`, `week`, `month`; dates `YYYY-MM-DD`) as `StatsReport` JSON. */
    @Throws(PoscoreException::class)
    fun statistics(period: String, from: String, to: String): String = engine.statistics(period, from, to)

    /** A journaled slip as receipt JSON for a reprint (重打印): render it with `reprint = true`. */
    @Throws(PoscoreException::class)
    fun reprint(stan: String, batch: String? = null): String = engine.reprint(stan, batch)

    /** Starts [request] (core `Request` JSON) and runs until idle; returns every event. */
    @Throws(PoscoreException::class)
    fun run(requestJson: String, onEvent: (String) -> Unit = {}): List<String> {
        val events = mutableListOf<String>()
        engine.start(requestJson, now())
        loop(timers = false) { events += it; onEvent(it) }
        return events
    }

    /** Sends pending reversals and repeats now and waits for them (the Rust `run_due`). */
    @Throws(PoscoreException::class)
    fun flush(onEvent: (String) -> Unit = {}): List<String> {
        val events = mutableListOf<String>()
        engine.flushPending(now())
        loop(timers = true) { events += it; onEvent(it) }
        return events
    }

    /**
     * The card failed after the host approved [stan] (pulled before the chip finished, chip
     * declined the approval): returns the diagnosis JSON; when it says reverse, the approval
     * turns into a pending reversal, sent by [flush] or before the next request.
     */
    @Throws(PoscoreException::class)
    fun cardFailedAfterApproval(stan: String, failure: CardFailure): String =
        engine.cardFailedAfterApproval(stan, failure, now())

    /**
     * The card's second GENERATE AC result for the chip transaction [stan]: a TC completes it, an
     * AAC after an approval is reversed, script results become a script result advice (0620) sent
     * before the next transaction.
     */
    @Throws(PoscoreException::class)
    fun completeChip(stan: String, result: ChipResult): ChipOutcome = engine.completeChip(stan, result, now())

    /** The operator's decision on an exhausted reversal (T701) after reconciling with the acquirer. */
    @Throws(PoscoreException::class)
    fun resolveExhaustedReversal(stan: String, resolution: ReversalResolution) =
        engine.resolveExhaustedReversal(stan, resolution, now())

    private fun loop(timers: Boolean, onEvent: (String) -> Unit) {
        while (true) {
            while (true) {
                val e = engine.pollEvent() ?: break
                onEvent(e)
                if (e.contains("\"type\":\"staff_alert\"")) onAlert?.invoke(e)
            }
            val tx = engine.pollTransmit()
            if (tx != null) {
                try {
                    transport.send(tx.bytes)
                } catch (e: ConnectException) {
                    // Nothing was sent: CONNECT_FAILED, or the TLS refusal (T111-T115).
                    engine.handleCommError(e.failure, now())
                } catch (_: IOException) {
                    transport.close()
                    engine.handleCommError(CommFailure.SEND_FAILED, now())
                }
                continue
            }
            if (!engine.awaitingResponse()) transport.close()
            val busy = !engine.isIdle() || engine.awaitingResponse()
            val deadline = engine.pollTimeout()?.toLong() ?: break
            if (!busy && !timers) break
            val now = clock()
            if (deadline <= now) {
                engine.handleTimeout(now())
                continue
            }
            if (transport.connected) {
                val got = try {
                    transport.receive(deadline - now)
                } catch (_: IOException) {
                    ByteArray(0)
                }
                when {
                    got == null -> engine.handleTimeout(now())
                    got.isEmpty() -> {
                        transport.close()
                        engine.handleCommError(CommFailure.LINE_DROPPED, now())
                    }
                    else -> engine.handleReceived(got, now())
                }
            } else {
                Thread.sleep(deadline - now)
                engine.handleTimeout(now())
            }
        }
    }

    override fun close() {
        transport.close()
        engine.close()
        store?.close()
    }
}
