// Node only: the line to the acquirer, plain TCP or TLS, as `TcpTransport` (node-tcp.js) and the
// development gateway (web/gateway/gateway.js) open it. One module, so that both verify the
// acquirer and classify a refused handshake the same way. The semantics are those of the Rust
// driver (core/src/terminal/driver/tls.rs):
//
// - Trust comes from a CA bundle (`ca`), pinned keys (`pins`: `sha256/<base64 of the SHA-256 of
//   the certificate's SubjectPublicKeyInfo DER>`, the spelling of RFC 7469 and OkHttp), or both:
//   - `ca` only: the chain must end at one of the CAs (dates, signatures: OpenSSL) and name the
//     host (`servername`, else the host connected to; an IP address is checked against the
//     certificate's IP names);
//   - `ca` and `pins`: as above, and some certificate of the chain must match a pin;
//   - `pins` only: some certificate the acquirer presents must match a pin, and that certificate
//     is the trust anchor: the presented chain is verified up to it here (each certificate
//     signed by the next, which must be a CA; dates), then the host name. OpenSSL has no anchor
//     to verify against in this mode, so its verdict is set aside and this module's stands; the
//     connection is still refused before anything is written. Pin the acquirer's (private) CA or
//     a self-signed host certificate; a pin on a CA-issued host certificate needs `ca` too.
//   Neither is refused when the options are read: there is no option that turns verification off.
// - TLS 1.2 or 1.3; `cert` and `key` (PEM) when the acquirer requires mutual TLS.
// - The handshake completes, and the acquirer is verified, before the promise of `openLine`
//   resolves, so a refusal means nothing was written: `connect_failed` (TCP refused, or no
//   handshake within the time), `tls_certificate_expired` (expired or not yet valid),
//   `tls_certificate_untrusted`, `tls_pin_mismatch`, `tls_name_mismatch`, `tls_handshake_failed`
//   (anything else during the handshake); the engine diagnoses them T111–T115 and reverses
//   nothing. A TLS error after the request was written is the caller's `line_dropped`.
import net from 'node:net';
import tls from 'node:tls';
import { createHash, X509Certificate } from 'node:crypto';

export { TLS_FAILURES } from './transport.js';

/** `err.code` of the error a pin check fails with. */
export const PIN_MISMATCH = 'ERR_POSCORE_TLS_PIN_MISMATCH';

const failure = (commFailure, message, cause) =>
  Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { commFailure });

const coded = (code, message) => Object.assign(new Error(message), { code });

const pinOf = (spkiDer) => `sha256/${createHash('sha256').update(spkiDer).digest('base64')}`;

/**
 * The pin of a certificate (DER bytes, PEM text or an `X509Certificate`):
 * `sha256/` + base64 of the SHA-256 of its SubjectPublicKeyInfo.
 */
export function spkiPin(cert) {
  const x = cert instanceof X509Certificate ? cert : new X509Certificate(typeof cert === 'string' ? cert : Buffer.from(cert));
  return pinOf(x.publicKey.export({ type: 'spki', format: 'der' }));
}

/** `sha256/<base64 of 32 bytes>` in its canonical spelling, or null. */
function parsePin(pin) {
  const m = /^sha256\/([A-Za-z0-9+/]{43}=)$/.exec(String(pin).trim());
  if (!m) return null;
  const digest = Buffer.from(m[1], 'base64');
  return digest.length === 32 && digest.toString('base64') === m[1] ? `sha256/${m[1]}` : null;
}

/**
 * Checks and normalises the `tls` option of a transport or of the gateway's upstream:
 * `{ ca?, pins?, cert?, key?, servername? }` (PEM as strings or Buffers). `defaultHost` is the
 * host connected to, the name checked when `servername` is not given. Throws a TypeError for a
 * configuration that cannot verify the acquirer (neither `ca` nor `pins`), a malformed pin, a
 * client certificate without its key (or the reverse), or PEM that does not load.
 */
export function tlsConfig(options, defaultHost) {
  if (options === null || typeof options !== 'object') throw new TypeError('tls: expected { ca, pins, cert, key, servername }');
  const { ca, pins = [], cert, key, servername } = options;
  const known = new Set(['ca', 'pins', 'cert', 'key', 'servername']);
  const unknown = Object.keys(options).filter((k) => !known.has(k));
  if (unknown.length) throw new TypeError(`tls: unknown option ${unknown.join(', ')} (verification cannot be turned off)`);
  if (!Array.isArray(pins)) throw new TypeError('tls.pins: expected an array of sha256/<base64> pins');
  const parsed = pins.map((p, i) => {
    const pin = parsePin(p);
    if (!pin) throw new TypeError(`tls.pins[${i}]: expected sha256/ followed by the base64 of a 32-byte SHA-256, got ${JSON.stringify(p)}`);
    return pin;
  });
  if (ca == null && parsed.length === 0) {
    throw new TypeError('tls needs a CA bundle (ca) or at least one pinned key (pins): verification cannot be turned off');
  }
  if ((cert == null) !== (key == null)) throw new TypeError('tls: mutual TLS needs both the client certificate (cert) and its key (key)');
  if (ca != null) certificates(ca, 'tls.ca');
  if (cert != null) certificates(cert, 'tls.cert');
  const name = String(servername ?? defaultHost ?? '');
  if (!name) throw new TypeError('tls: no host name to verify (servername)');
  let context;
  try {
    context = tls.createSecureContext({ ca: ca ?? undefined, cert: cert ?? undefined, key: key ?? undefined, minVersion: 'TLSv1.2' });
  } catch (e) {
    throw new TypeError(`tls: ${e?.message ?? e}`, { cause: e });
  }
  return Object.freeze({ context, pins: Object.freeze(parsed), hasCa: ca != null, name });
}

/** The certificates of a PEM bundle (string, Buffer or an array of them); a TypeError when none load. */
function certificates(pem, what) {
  const text = [pem].flat().map((p) => (typeof p === 'string' ? p : Buffer.from(p).toString('latin1'))).join('\n');
  const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (!blocks.length) throw new TypeError(`${what}: no CERTIFICATE block in the PEM`);
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b);
    } catch (e) {
      throw new TypeError(`${what}: certificate ${i} does not load (${e?.message ?? e})`, { cause: e });
    }
  });
}

/** Maps an error of a TLS handshake (`err.code`) to the communication failure to report. */
export function classifyTlsError(err) {
  const code = String(err?.code ?? '');
  switch (code) {
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return 'tls_certificate_expired';
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'tls_name_mismatch';
    case PIN_MISMATCH:
      return 'tls_pin_mismatch';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'CERT_UNTRUSTED':
    case 'CERT_REJECTED':
    case 'CERT_SIGNATURE_FAILURE':
    case 'CERT_CHAIN_TOO_LONG':
    case 'INVALID_CA':
    case 'INVALID_PURPOSE':
    case 'PATH_LENGTH_EXCEEDED':
      return 'tls_certificate_untrusted';
    default:
      // The other certificate verdicts of OpenSSL (CERT_REVOKED, UNABLE_TO_DECODE_..., ...)
      // are refusals of the certificate too, as rustls reports them.
      return /^(CERT_|UNABLE_TO_|ERROR_IN_CERT_)/.test(code) ? 'tls_certificate_untrusted' : 'tls_handshake_failed';
  }
}

/** The presented chain as OpenSSL handed it over (leaf first), `X509Certificate`s. */
function peerChain(socket) {
  const chain = [];
  const seen = new Set();
  for (let c = socket.getPeerCertificate(true); c?.raw && !seen.has(c); c = c.issuerCertificate) {
    seen.add(c);
    chain.push(new X509Certificate(c.raw));
  }
  return chain;
}

/** The pin check of `ca` + `pins`: some certificate of the chain must match. */
function pinCheck(pins, cert) {
  const seen = new Set();
  for (let c = cert; c?.raw && !seen.has(c); c = c.issuerCertificate) {
    seen.add(c);
    if (pins.includes(spkiPin(c.raw))) return undefined;
  }
  return coded(PIN_MISMATCH, 'no certificate the acquirer presented matches a pinned key');
}

const validAt = (x, now) => {
  if (now < Date.parse(x.validFrom)) return coded('CERT_NOT_YET_VALID', `certificate ${x.subject} not valid before ${x.validFrom}`);
  if (now > Date.parse(x.validTo)) return coded('CERT_HAS_EXPIRED', `certificate ${x.subject} expired ${x.validTo}`);
  return undefined;
};

/**
 * Pins only: the first presented certificate matching a pin is the anchor; the chain below it
 * must be signed link by link (issuers are CAs) and in date, then name the host.
 */
function verifyPinned(socket, config, now = Date.now()) {
  const chain = peerChain(socket);
  const anchor = chain.findIndex((x) => config.pins.includes(spkiPin(x)));
  if (anchor < 0) return coded(PIN_MISMATCH, 'no certificate the acquirer presented matches a pinned key');
  const untrusted = (msg) => coded('UNABLE_TO_VERIFY_LEAF_SIGNATURE', msg);
  if (anchor === 0) {
    // The pinned certificate is the host's own: it must be self-signed and in date.
    const leaf = chain[0];
    const bad = validAt(leaf, now);
    if (bad) return bad;
    if (!(leaf.checkIssued(leaf) && leaf.verify(leaf.publicKey))) {
      return untrusted('the pinned host certificate is issued by a CA: configure that CA (ca) too, or pin the CA');
    }
  }
  for (let i = 0; i < anchor; i += 1) {
    const bad = validAt(chain[i], now);
    if (bad) return bad;
    const issuer = chain[i + 1];
    if (!issuer.ca || !chain[i].checkIssued(issuer) || !chain[i].verify(issuer.publicKey)) {
      return untrusted(`certificate ${chain[i].subject} is not signed by the next one of the chain`);
    }
  }
  return tls.checkServerIdentity(config.name, socket.getPeerCertificate()) ?? undefined;
}

/**
 * Opens the line to the acquirer: TCP, then (with `tls`, the result of `tlsConfig`) the
 * handshake and the verification. Resolves the connected socket, nothing written yet; rejects
 * with an Error whose `commFailure` says why (see the top of this file) within `timeoutMs`.
 */
export function openLine({ host, port, tls: config, timeoutMs = 5000 }) {
  return new Promise((resolve, reject) => {
    let tcpUp = false;
    let settled = false;
    const s = config
      ? tls.connect({
          host,
          port,
          secureContext: config.context,
          minVersion: 'TLSv1.2',
          // SNI carries host names only (RFC 6066); an IP address is still checked below.
          servername: net.isIP(config.name) ? undefined : config.name,
          // With pins only there is no CA for OpenSSL to end the chain at: `verifyPinned`
          // verifies it instead, before this promise resolves (see the top of this file).
          rejectUnauthorized: config.hasCa,
          checkServerIdentity: (_host, cert) =>
            config.hasCa ? (tls.checkServerIdentity(config.name, cert) ?? (config.pins.length ? pinCheck(config.pins, cert) : undefined)) : undefined,
        })
      : net.connect({ host, port });
    const end = (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        s.destroy();
        reject(error);
      } else {
        s.setNoDelay(true);
        resolve(s);
      }
    };
    const timer = setTimeout(
      () => end(failure('connect_failed', config ? 'TLS connect timeout (TCP or handshake)' : 'connect timeout')),
      timeoutMs,
    );
    s.on('error', (e) => {
      const kind = tcpUp && config ? classifyTlsError(e) : 'connect_failed';
      end(failure(kind, `${config ? 'TLS ' : ''}${kind === 'connect_failed' ? 'connect' : 'handshake'} failed: ${e.message}`, e));
    });
    s.once('close', () => end(failure(tcpUp && config ? 'tls_handshake_failed' : 'connect_failed', 'the acquirer closed the connection during the handshake')));
    s.once('connect', () => {
      tcpUp = true;
      if (!config) end();
    });
    if (config) {
      s.once('secureConnect', () => {
        const refused = config.hasCa ? undefined : verifyPinned(s, config);
        if (refused) end(failure(classifyTlsError(refused), `TLS handshake refused: ${refused.message}`, refused));
        else end();
      });
    }
  });
}
