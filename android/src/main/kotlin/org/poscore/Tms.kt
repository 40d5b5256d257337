package org.poscore

/**
 * UnionPay TMS downloads: field 62 of the 360/362 parameter and status messages and of the
 * 370-372 / 380-382 CA public key and AID queries and downloads.
 *
 * A thin face over `poscore::tms`: the layouts and the CA public key SHA-1 check are in the Rust
 * core. Refusals are [PoscoreException.Tms] with a stable `code` (`tms.checksum_mismatch`), the
 * byte `offset` and the `tag` at fault.
 */
object Tms {
    /** Split a reply's field 62 into its continuation byte and the entries after it. */
    @Throws(PoscoreException::class)
    fun splitReply(field62: ByteArray): TmsReply = tmsSplitReply(field62)

    /** Field 62 of a 372/382 query: `1` and the 2-digit count of entries received so far. */
    @Throws(PoscoreException::class)
    fun queryRequest(startIndex: Int): ByteArray = tmsQueryRequest(startIndex.toUInt())

    @Throws(PoscoreException::class)
    fun parseCapkQuery(body: ByteArray): List<TmsKeyRef> = tmsParseCapkQuery(body)

    /** Field 62 of a 372 reply (the acquirer's side). */
    @Throws(PoscoreException::class)
    fun encodeCapkQuery(continuation: TmsContinuation, keys: List<TmsKeyRef>): ByteArray =
        tmsEncodeCapkQuery(continuation, keys)

    @Throws(PoscoreException::class)
    fun capkDownloadRequest(key: TmsKeyRef): ByteArray = tmsCapkDownloadRequest(key)

    /** One CA public key entry, SHA-1 verified (`tms.checksum_mismatch` when it is not). */
    @Throws(PoscoreException::class)
    fun parseCapk(entry: ByteArray): TmsCapk = tmsParseCapk(entry)

    /** A key with its checksum computed. */
    @Throws(PoscoreException::class)
    fun newCapk(rid: String, index: Int, expiry: String, modulus: String, exponent: String): TmsCapk =
        tmsNewCapk(rid, index.toUByte(), expiry, modulus, exponent)

    @Throws(PoscoreException::class)
    fun capkToTlv(capk: TmsCapk): ByteArray = tmsCapkToTlv(capk)

    /** Field 62 of a 370 reply: `1` and the key, or `0` for null. */
    @Throws(PoscoreException::class)
    fun encodeCapkDownload(capk: TmsCapk?): ByteArray = tmsEncodeCapkDownload(capk)

    @Throws(PoscoreException::class)
    fun parseAidQuery(body: ByteArray): List<String> = tmsParseAidQuery(body)

    @Throws(PoscoreException::class)
    fun encodeAidQuery(continuation: TmsContinuation, aids: List<String>): ByteArray = tmsEncodeAidQuery(continuation, aids)

    @Throws(PoscoreException::class)
    fun aidDownloadRequest(aid: String): ByteArray = tmsAidDownloadRequest(aid)

    @Throws(PoscoreException::class)
    fun parseAid(entry: ByteArray): TmsAidParams = tmsParseAid(entry)

    @Throws(PoscoreException::class)
    fun aidToTlv(params: TmsAidParams): ByteArray = tmsAidToTlv(params)

    @Throws(PoscoreException::class)
    fun encodeAidDownload(params: TmsAidParams?): ByteArray = tmsEncodeAidDownload(params)

    /** A 360 reply's field 62. */
    @Throws(PoscoreException::class)
    fun parseParams(field62: ByteArray): TmsTerminalParams = tmsParseParams(field62)

    @Throws(PoscoreException::class)
    fun rawParamItems(field62: ByteArray): List<TmsParamItem> = tmsRawParamItems(field62)

    @Throws(PoscoreException::class)
    fun encodeParams(params: TmsTerminalParams): ByteArray = tmsEncodeParams(params)

    /** Field 62 of a 362 status upload. */
    @Throws(PoscoreException::class)
    fun statusUploadRequest(params: TmsTerminalParams, dialStats: TmsDialStats? = null): ByteArray =
        tmsStatusUploadRequest(params, dialStats)

    @Throws(PoscoreException::class)
    fun parseStatusReport(field62: ByteArray): TmsStatusReport = tmsParseStatusReport(field62)

    /** 60.3 of a step (`372`). */
    fun nmi(step: TmsStep): String = tmsStepNmi(step)

    /** The request MTI of a step (`0820`). */
    fun mti(step: TmsStep): String = tmsStepMti(step)

    /** The step a 60.3 value names. */
    fun step(nmi: String): TmsStep? = tmsStepFromNmi(nmi)
}
