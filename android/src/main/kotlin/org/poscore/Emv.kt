package org.poscore

/**
 * EMV issuer cryptograms: ICC master keys (EMV Book 2 Annex A1.4 Options A and B), session keys
 * (A1.3.1), ARQC (Visa CVN 10 and 18) and ARPC (methods 1 and 2, sections 8.2.1 and 8.2.2), one
 * function per pyemv function. A thin face over `poscore::emv`: every algorithm is in the Rust
 * core. An ARQC that does not verify is `false`; malformed input is [PoscoreException.Emv] naming
 * the input (`pan`, `atc`, ...), a key of the wrong usage [PoscoreException.Keys].
 */
object Emv {
    /** 10 -> [Cvn.VISA10], 18 -> [Cvn.VISA18]; others throw `emv.unsupported_cvn`. */
    @Throws(PoscoreException::class)
    fun cvn(number: Int): Cvn = emvCvn(number.toUInt())

    /** The ICC master key (2TDEA, `MAC_BOTH`) from an `ISSUER_MASTER_KEY`, PAN and 2-digit PSN. */
    @Throws(PoscoreException::class)
    fun iccMasterKey(imk: Key, pan: String, psn: String, option: MasterKeyOption = MasterKeyOption.OPTION_A): Key =
        emvIccMasterKey(imk, pan, psn, option)

    /** The EMV common session key for an 8-byte diversification value [r]. */
    @Throws(PoscoreException::class)
    fun commonSessionKey(masterKey: Key, r: ByteArray): Key = emvCommonSessionKey(masterKey, r)

    /** The AC key of [cvn] for the ATC (CVN 10: the master key itself). */
    @Throws(PoscoreException::class)
    fun sessionKey(masterKey: Key, cvn: Cvn, atc: ByteArray): Key = emvSessionKey(masterKey, cvn, atc)

    /** An application cryptogram (ARQC, TC, AAC), 8 bytes. */
    @Throws(PoscoreException::class)
    fun applicationCryptogram(key: Key, data: ByteArray, padding: AcPadding = AcPadding.EMV): ByteArray =
        emvApplicationCryptogram(key, data, padding)

    /** The ARQC [cvn] computes over [data] under its AC key. */
    @Throws(PoscoreException::class)
    fun arqc(key: Key, cvn: Cvn, data: ByteArray): ByteArray = emvArqc(key, cvn, data)

    /** Constant-time check of a received ARQC: false when it does not match. */
    @Throws(PoscoreException::class)
    fun verifyArqc(key: Key, cvn: Cvn, data: ByteArray, arqc: ByteArray): Boolean = emvVerifyArqc(key, cvn, data, arqc)

    /** ARPC method 1 (8 bytes) for a 2-byte ARC (tag 8A, `3030` for "00"). */
    @Throws(PoscoreException::class)
    fun arpcMethod1(key: Key, arqc: ByteArray, arc: ByteArray): ByteArray = emvArpcMethod1(key, arqc, arc)

    /** ARPC method 2 (4 bytes) for a 4-byte CSU and 0-8 bytes of proprietary authentication data. */
    @Throws(PoscoreException::class)
    fun arpcMethod2(key: Key, arqc: ByteArray, csu: ByteArray, propAuthData: ByteArray? = null): ByteArray =
        emvArpcMethod2(key, arqc, csu, propAuthData)
}
