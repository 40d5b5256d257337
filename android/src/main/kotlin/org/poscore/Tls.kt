package org.poscore

import java.io.ByteArrayInputStream
import java.io.IOException
import java.net.Socket
import java.net.SocketTimeoutException
import java.security.GeneralSecurityException
import java.security.KeyFactory
import java.security.KeyStore
import java.security.MessageDigest
import java.security.PrivateKey
import java.security.cert.CertPathBuilderException
import java.security.cert.CertPathValidatorException
import java.security.cert.CertificateException
import java.security.cert.CertificateExpiredException
import java.security.cert.CertificateFactory
import java.security.cert.CertificateNotYetValidException
import java.security.cert.X509Certificate
import java.security.spec.InvalidKeySpecException
import java.security.spec.PKCS8EncodedKeySpec
import javax.net.ssl.KeyManager
import javax.net.ssl.KeyManagerFactory
import javax.net.ssl.SNIHostName
import javax.net.ssl.SSLContext
import javax.net.ssl.SSLEngine
import javax.net.ssl.SSLSocket
import javax.net.ssl.TrustManagerFactory
import javax.net.ssl.X509ExtendedTrustManager

/**
 * TLS to the acquirer for [SocketTransport]: where trust comes from, and the terminal's own
 * certificate when the acquirer asks for one (mutual TLS). The same options and semantics as the
 * Rust driver (`poscore::terminal::driver::tls`).
 *
 * **What is verified.** The acquirer's certificate against [caPem] (chain, dates, host name), a
 * pinned key in [pins], or both:
 * - CA only: the chain must end at one of the CAs and name the host;
 * - CA and pins: as above, and some certificate of the presented chain must match a pin;
 * - pins only: some certificate the acquirer presents must match a pin, and that certificate is
 *   then the trust anchor the rest of the chain is verified against (dates, signatures, host
 *   name). Pin the acquirer's (private) CA, or a self-signed host certificate; a pin on a
 *   CA-issued host certificate needs [caPem] too (refused as untrusted otherwise, as in Rust).
 *
 * There is no way to turn verification off: options with neither a CA nor a pin throw
 * [IllegalArgumentException] here, at construction.
 *
 * **Pins** are spelled as in RFC 7469 and OkHttp: `sha256/` + the base64 of the SHA-256 of the
 * certificate's SubjectPublicKeyInfo (DER), i.e. `MessageDigest.getInstance("SHA-256")
 * .digest(cert.publicKey.encoded)`; [pinsOf] computes them from a PEM file. Keep a second pin
 * (the next CA or key) configured before the acquirer rotates.
 *
 * **The host name** is checked by the platform through
 * `SSLParameters.endpointIdentificationAlgorithm = "HTTPS"` (the JVM, and Android from API 24):
 * a DNS name against the certificate's DNS names, an IP address against its IP addresses. It is
 * [serverName] when set (sent as SNI too), else the host [SocketTransport] connects to.
 *
 * **The TLS stack** is the platform's (`SSLContext("TLS")`, on Android Conscrypt, updated with
 * the system), restricted to TLS 1.3 and 1.2 (Android offers TLS 1.3 from API 29).
 *
 * @property caPem PEM: the CA certificate(s) the acquirer's certificate must chain to.
 * @property pins Pinned keys, `sha256/<base64>` (see above).
 * @property clientCertPem PEM: the terminal's certificate chain (leaf first), for acquirers that
 *   require mutual TLS; needs [clientKeyPem].
 * @property clientKeyPem PEM: the private key of [clientCertPem], unencrypted PKCS#8
 *   (`-----BEGIN PRIVATE KEY-----`, EC or RSA; convert others with
 *   `openssl pkcs8 -topk8 -nocrypt`). A `String` cannot be wiped: prefer a key kept in the
 *   Android Keystore where the acquirer's process allows it. Never shown by [toString].
 * @property serverName The name the acquirer's certificate must carry (and SNI); by default the
 *   host [SocketTransport] connects to.
 */
data class TlsOptions(
    val caPem: String? = null,
    val pins: List<String> = emptyList(),
    val clientCertPem: String? = null,
    val clientKeyPem: String? = null,
    val serverName: String? = null,
) {
    init {
        require(caPem != null || pins.isNotEmpty()) {
            "TLS needs a CA certificate (caPem) or at least one pin: verification cannot be turned off"
        }
        pins.forEachIndexed { i, p ->
            require(parsePin(p) != null) {
                "pin $i: expected sha256/ followed by the base64 of a 32-byte SHA-256, got \"$p\""
            }
        }
        require((clientCertPem == null) == (clientKeyPem == null)) {
            "mutual TLS needs both the client certificate and its key"
        }
        require(serverName == null || serverName.isNotBlank()) { "serverName is blank" }
    }

    /** Shows sizes, pins and the name; never the key. */
    override fun toString(): String =
        "TlsOptions(caPem=${caPem?.let { "${it.length} chars" }}, pins=$pins, " +
            "clientCertPem=${clientCertPem?.let { "${it.length} chars" }}, " +
            "clientKeyPem=${clientKeyPem?.let { "<redacted>" }}, serverName=$serverName)"

    companion object {
        /** The pin of [cert]: `sha256/` + base64 of the SHA-256 of its SubjectPublicKeyInfo. */
        @JvmStatic
        fun pinOf(cert: X509Certificate): String = "sha256/" + base64(spkiSha256(cert))

        /** The pins of every certificate in a PEM bundle, in order. */
        @JvmStatic
        fun pinsOf(pem: String): List<String> = parseCertificates(pem, "certificate").map(::pinOf)
    }
}

/**
 * Thrown by [SocketTransport.send] when the TLS handshake was refused or failed: nothing of the
 * request was written, so the engine does not reverse. [failure] is one of the `TLS_*` cases
 * (diagnoses T111–T115), or [CommFailure.CONNECT_FAILED] when the handshake timed out.
 */
class TlsRefusedException(failure: CommFailure, cause: Throwable) : ConnectException(cause, failure)

/** No certificate of the presented chain matches a configured pin. */
class TlsPinMismatchException : CertificateException("no certificate of the acquirer's chain matches a configured pin")

/** The chain is trusted, but does not name the host (or the configured [TlsOptions.serverName]). */
class TlsNameMismatchException(cause: Throwable) :
    CertificateException("the acquirer's certificate does not name the host: ${cause.message}", cause)

/** Builds the TLS connection of [SocketTransport]: the SSLContext of one [TlsOptions]. */
internal class TlsConnector(private val opts: TlsOptions, defaultHost: String) {
    private val name: String = opts.serverName ?: defaultHost
    private val sni: SNIHostName? = if (isIpLiteral(name)) {
        null
    } else {
        try {
            SNIHostName(name)
        } catch (e: IllegalArgumentException) {
            throw IllegalArgumentException("server name \"$name\" is neither a DNS name nor an IP address", e)
        }
    }
    private val context: SSLContext

    init {
        val ca = opts.caPem?.let { platformTrustManager(parseCertificates(it, "ca")) }
        val pins = opts.pins.map { parsePin(it)!! }
        val keyManagers: Array<KeyManager>? = if (opts.clientCertPem != null && opts.clientKeyPem != null) {
            clientKeyManagers(opts.clientCertPem, opts.clientKeyPem)
        } else {
            null
        }
        context = SSLContext.getInstance("TLS").apply { init(keyManagers, arrayOf(VerifyingTrustManager(ca, pins)), null) }
    }

    /**
     * Wraps the connected [tcp] socket and completes the handshake within [timeoutMs] (per read).
     * Throws [TlsRefusedException] (the socket closed) when it fails: nothing was written.
     */
    fun handshake(tcp: Socket, port: Int, timeoutMs: Int): SSLSocket {
        val ssl = try {
            context.socketFactory.createSocket(tcp, name, port, true) as SSLSocket
        } catch (e: IOException) {
            runCatching { tcp.close() }
            throw TlsRefusedException(CommFailure.TLS_HANDSHAKE_FAILED, e)
        }
        try {
            ssl.useClientMode = true
            val params = ssl.sslParameters
            val protocols = PROTOCOLS.filter { it in ssl.supportedProtocols }
            if (protocols.isEmpty()) throw IOException("the platform offers neither TLS 1.3 nor TLS 1.2")
            params.protocols = protocols.toTypedArray()
            params.endpointIdentificationAlgorithm = "HTTPS"
            if (sni != null) params.serverNames = listOf(sni)
            ssl.sslParameters = params
            ssl.soTimeout = timeoutMs
            ssl.startHandshake()
            return ssl
        } catch (e: Exception) {
            runCatching { ssl.close() }
            throw TlsRefusedException(classifyHandshakeFailure(e), e)
        }
    }

    private companion object {
        val PROTOCOLS = listOf("TLSv1.3", "TLSv1.2")
    }
}

/**
 * What a failed handshake is reported as (the Rust `tls::classify`): walks the cause chain.
 */
internal fun classifyHandshakeFailure(e: Throwable): CommFailure {
    val chain = generateSequence(e) { t -> t.cause?.takeIf { it !== t } }.take(32).toList()
    fun any(p: (Throwable) -> Boolean) = chain.any(p)
    return when {
        any { it is TlsPinMismatchException } -> CommFailure.TLS_PIN_MISMATCH
        any {
            it is CertificateExpiredException || it is CertificateNotYetValidException ||
                (it is CertPathValidatorException && (it.reason == CertPathValidatorException.BasicReason.EXPIRED ||
                    it.reason == CertPathValidatorException.BasicReason.NOT_YET_VALID))
        } -> CommFailure.TLS_CERTIFICATE_EXPIRED
        any { it is TlsNameMismatchException || (it is CertificateException && isNameMismatchMessage(it.message)) } ->
            CommFailure.TLS_NAME_MISMATCH
        any { it is CertificateException || it is CertPathValidatorException || it is CertPathBuilderException } ->
            CommFailure.TLS_CERTIFICATE_UNTRUSTED
        // The acquirer did not answer the handshake in time.
        any { it is SocketTimeoutException } -> CommFailure.CONNECT_FAILED
        else -> CommFailure.TLS_HANDSHAKE_FAILED
    }
}

// The JVM ("No subject alternative DNS name matching x found.", "No subject alternative names
// matching IP address x found", "No name matching x found") and Conscrypt ("No subjectAltNames
// on the certificate match").
private fun isNameMismatchMessage(m: String?): Boolean =
    m != null && (m.startsWith("No subject alternative") || m.startsWith("No name matching") || m.contains("subjectAltNames"))

/**
 * CA verification (when configured), then the pins (when configured); with pins and no CA, the
 * pinned certificates of the chain are the trust anchors. Chain and host name are checked by the
 * platform's PKIX trust manager with the connection's SSLParameters (endpoint identification).
 */
private class VerifyingTrustManager(
    private val ca: X509ExtendedTrustManager?,
    private val pins: List<ByteArray>,
) : X509ExtendedTrustManager() {
    override fun checkServerTrusted(chain: Array<X509Certificate>, authType: String, socket: Socket?) {
        if (socket == null) throw CertificateException("no connection to verify the host name against")
        verify(chain, authType) { it.checkServerTrusted(chain, authType, socket) }
    }

    override fun checkServerTrusted(chain: Array<X509Certificate>, authType: String, engine: SSLEngine?) {
        if (engine == null) throw CertificateException("no connection to verify the host name against")
        verify(chain, authType) { it.checkServerTrusted(chain, authType, engine) }
    }

    // Without the connection the host name cannot be checked: never accept that way.
    override fun checkServerTrusted(chain: Array<X509Certificate>, authType: String) =
        throw CertificateException("no connection to verify the host name against")

    override fun checkClientTrusted(chain: Array<X509Certificate>, authType: String) =
        throw CertificateException("client side only")

    override fun checkClientTrusted(chain: Array<X509Certificate>, authType: String, socket: Socket?) =
        throw CertificateException("client side only")

    override fun checkClientTrusted(chain: Array<X509Certificate>, authType: String, engine: SSLEngine?) =
        throw CertificateException("client side only")

    override fun getAcceptedIssuers(): Array<X509Certificate> = ca?.acceptedIssuers ?: emptyArray()

    private fun pinned(cert: X509Certificate): Boolean {
        val h = spkiSha256(cert)
        return pins.any { MessageDigest.isEqual(it, h) }
    }

    /** [withConnection] runs the platform check with the connection (chain and host name). */
    private fun verify(
        chain: Array<X509Certificate>,
        authType: String,
        withConnection: (X509ExtendedTrustManager) -> Unit,
    ) {
        if (chain.isEmpty()) throw CertificateException("the acquirer presented no certificate")
        if (ca != null) platformCheck(ca, chain, authType, withConnection)
        if (pins.isEmpty()) return
        val matched = chain.filter(::pinned)
        if (matched.isEmpty()) throw TlsPinMismatchException()
        if (ca == null) {
            // The platform accepts a chain whose first certificate is itself a trust anchor without
            // looking further; check that case as webpki does: dates, and signed by a pinned one.
            val leaf = chain[0]
            if (leaf in matched) {
                leaf.checkValidity()
                val signed = matched.any { m ->
                    m.subjectX500Principal == leaf.issuerX500Principal &&
                        runCatching { leaf.verify(m.publicKey) }.isSuccess
                }
                if (!signed) {
                    throw CertificateException(
                        "the pinned host certificate is not self-signed: pin its CA, or configure the CA too",
                    )
                }
            }
            platformCheck(platformTrustManager(matched), chain, authType, withConnection)
        }
    }

    /** Runs [withConnection]; a refusal that the same check without the host name accepts is a name mismatch. */
    private fun platformCheck(
        tm: X509ExtendedTrustManager,
        chain: Array<X509Certificate>,
        authType: String,
        withConnection: (X509ExtendedTrustManager) -> Unit,
    ) {
        try {
            withConnection(tm)
        } catch (e: CertificateException) {
            val chainOk = runCatching { tm.checkServerTrusted(chain, authType) }.isSuccess
            throw if (chainOk) TlsNameMismatchException(e) else e
        }
    }
}

/** The platform's PKIX trust manager over [anchors] (X509ExtendedTrustManager: JVM, Android ≥ 24). */
private fun platformTrustManager(anchors: List<X509Certificate>): X509ExtendedTrustManager {
    val ks = KeyStore.getInstance(KeyStore.getDefaultType()).apply { load(null, null) }
    anchors.forEachIndexed { i, c -> ks.setCertificateEntry("anchor$i", c) }
    val tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm()).apply { init(ks) }
    return tmf.trustManagers.filterIsInstance<X509ExtendedTrustManager>().firstOrNull()
        ?: throw IllegalStateException("the platform has no X509ExtendedTrustManager")
}

private fun clientKeyManagers(certPem: String, keyPem: String): Array<KeyManager> {
    val chain = parseCertificates(certPem, "client certificate")
    val key = parsePrivateKey(keyPem)
    val password = CharArray(0) // in memory only
    val ks = KeyStore.getInstance(KeyStore.getDefaultType()).apply { load(null, null) }
    try {
        ks.setKeyEntry("client", key, password, chain.toTypedArray())
    } catch (e: GeneralSecurityException) {
        throw IllegalArgumentException("client key: ${e.message}", e)
    }
    val kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm()).apply { init(ks, password) }
    return kmf.keyManagers
}

private fun spkiSha256(cert: X509Certificate): ByteArray = MessageDigest.getInstance("SHA-256").digest(cert.publicKey.encoded)

private fun isIpLiteral(host: String): Boolean =
    host.contains(':') || Regex("""\d{1,3}(\.\d{1,3}){3}""").matches(host)

/** The DER bodies of the PEM blocks labelled [label] (`-----BEGIN label-----`). */
private fun pemBlocks(pem: String, label: String): List<ByteArray> =
    Regex("-----BEGIN ${Regex.escape(label)}-----([A-Za-z0-9+/=\\s]*)-----END ${Regex.escape(label)}-----")
        .findAll(pem)
        .map { base64Decode(it.groupValues[1]) ?: throw IllegalArgumentException("$label: bad base64") }
        .toList()

internal fun parseCertificates(pem: String, what: String): List<X509Certificate> {
    val blocks = pemBlocks(pem, "CERTIFICATE")
    require(blocks.isNotEmpty()) { "$what: no CERTIFICATE block" }
    val cf = CertificateFactory.getInstance("X.509")
    return blocks.map {
        try {
            cf.generateCertificate(ByteArrayInputStream(it)) as X509Certificate
        } catch (e: CertificateException) {
            throw IllegalArgumentException("$what: ${e.message}", e)
        }
    }
}

private fun parsePrivateKey(pem: String): PrivateKey {
    val der = pemBlocks(pem, "PRIVATE KEY").singleOrNull()
        ?: throw IllegalArgumentException(
            "client key: expected one unencrypted PKCS#8 block (BEGIN PRIVATE KEY); convert with openssl pkcs8 -topk8 -nocrypt",
        )
    try {
        val spec = PKCS8EncodedKeySpec(der)
        for (alg in listOf("EC", "RSA")) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(spec)
            } catch (_: InvalidKeySpecException) {
                // try the next algorithm
            }
        }
        throw IllegalArgumentException("client key: neither an EC nor an RSA PKCS#8 key")
    } finally {
        der.fill(0)
    }
}

private const val B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// java.util.Base64 is Android API 26+; the library supports API 24.
private fun base64(bytes: ByteArray): String {
    val out = StringBuilder((bytes.size + 2) / 3 * 4)
    for (i in bytes.indices step 3) {
        val n = ((bytes[i].toInt() and 0xff) shl 16) or
            ((bytes.getOrElse(i + 1) { 0 }.toInt() and 0xff) shl 8) or
            (bytes.getOrElse(i + 2) { 0 }.toInt() and 0xff)
        val len = minOf(3, bytes.size - i)
        for (j in 0 until 4) out.append(if (j <= len) B64[(n shr (18 - 6 * j)) and 63] else '=')
    }
    return out.toString()
}

/** Standard base64 (whitespace ignored, padding optional); null when malformed. */
private fun base64Decode(text: String): ByteArray? {
    val s = text.filterNot { it.isWhitespace() }.trimEnd('=')
    if (s.length % 4 == 1) return null
    val out = java.io.ByteArrayOutputStream(s.length * 3 / 4)
    var acc = 0
    var bits = 0
    for (c in s) {
        val v = B64.indexOf(c)
        if (v < 0) return null
        acc = (acc shl 6) or v
        bits += 6
        if (bits >= 8) {
            bits -= 8
            out.write((acc shr bits) and 0xff)
        }
    }
    return out.toByteArray()
}

/** `sha256/<base64 of 32 bytes>` (44 characters, one `=`) → the digest, as the Rust `parse_pin`. */
internal fun parsePin(pin: String): ByteArray? {
    val b64 = pin.trim().removePrefix("sha256/").takeIf { pin.trim().startsWith("sha256/") } ?: return null
    if (b64.length != 44 || !b64.endsWith("=") || b64.substring(0, 43).contains('=')) return null
    return base64Decode(b64)?.takeIf { it.size == 32 }
}
