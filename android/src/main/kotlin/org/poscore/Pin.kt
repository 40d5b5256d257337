package org.poscore

/**
 * ISO 9564-1 PIN blocks: formats 0-3 (8 bytes, TDES/SM4 keys) and 4 (16 bytes, AES keys).
 *
 * Random fill comes from the system CSPRNG; [seed] and [fill] pin it for tests and the shared
 * vectors only. The clear PIN leaves the core only through the `dangerous*` functions (HSM-style
 * tests). Errors are [PoscoreException.Pin] (`pin.pin_length`, `pin.pan_mismatch`, ...).
 */
object PinBlock {
    /** The clear PIN block. [pan] is required by formats 0, 3 and 4. */
    @Throws(PoscoreException::class)
    fun encode(pin: String, format: Int = 0, pan: String? = null, seed: Long? = null, fill: ByteArray? = null): ByteArray =
        pinEncode(format.toUByte(), pin, pan, seed?.toULong(), fill)

    /** Encode and encipher under a PIN key: what the terminal sends in field 52. */
    @Throws(PoscoreException::class)
    fun encrypt(
        key: Key,
        pin: String,
        format: Int = 0,
        pan: String? = null,
        seed: Long? = null,
        fill: ByteArray? = null,
    ): ByteArray = pinEncrypt(key, format.toUByte(), pin, pan, seed?.toULong(), fill)

    /** **Dangerous** (HSM-style tests): the PIN in a clear block, after every check. */
    @Throws(PoscoreException::class)
    fun dangerousDecode(block: ByteArray, format: Int = 0, pan: String? = null): String =
        pinDangerousDecode(format.toUByte(), block, pan)

    /** **Dangerous** (HSM-style tests): decipher and decode to the PIN. */
    @Throws(PoscoreException::class)
    fun dangerousDecrypt(key: Key, block: ByteArray, format: Int = 0, pan: String? = null): String =
        pinDangerousDecrypt(key, format.toUByte(), block, pan)

    /** Re-encipher under another key and/or format (acquirer / HSM); the PIN stays in the core. */
    @Throws(PoscoreException::class)
    fun translate(
        block: ByteArray,
        fromKey: Key,
        toKey: Key,
        fromFormat: Int = 0,
        toFormat: Int = 0,
        pan: String? = null,
        seed: Long? = null,
        fill: ByteArray? = null,
    ): ByteArray = pinTranslate(fromKey, fromFormat.toUByte(), toKey, toFormat.toUByte(), block, pan, seed?.toULong(), fill)
}
