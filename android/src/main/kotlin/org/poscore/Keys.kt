package org.poscore

/**
 * Keys, check values and hex.
 *
 * A [Key] is an opaque handle on key material held in Rust memory (wiped when the handle is
 * closed or collected): it knows its [KeyAlgorithm] and [KeyUsage], computes its check value with
 * [Key.kcv], and prints as `Tdes2 PinEncryption key (KCV 08D7B4)`, never the key. Keys arrive
 * wrapped ([Tr31.unwrap], [WorkingKeys.parseField62]) or derived ([Dukpt]); plain bytes go in and
 * out only through `Key.dangerousFromHex` / `Key.dangerousFromBytes` / `Key.dangerousExport`,
 * meant for test keys and key ceremonies. Errors are [PoscoreException.Keys] (`keys.wrong_usage`, ...).
 */
object Hex {
    /** Hex (either case) to bytes; throws [PoscoreException.Keys] `keys.bad_hex`. */
    @Throws(PoscoreException::class)
    fun decode(hex: String): ByteArray = hexDecode(hex)

    /** Bytes to UPPERCASE hex. */
    fun encode(bytes: ByteArray): String = hexEncode(bytes)
}

/** CBC over whole blocks under a data key (track data, DUKPT data keys); [iv] defaults to zeros. */
object Data {
    @Throws(PoscoreException::class)
    fun encrypt(key: Key, data: ByteArray, iv: ByteArray = zeroIv(key)): ByteArray = dataEncrypt(key, iv, data)

    @Throws(PoscoreException::class)
    fun decrypt(key: Key, data: ByteArray, iv: ByteArray = zeroIv(key)): ByteArray = dataDecrypt(key, iv, data)

    private fun zeroIv(key: Key) = when (key.algorithm()) {
        KeyAlgorithm.DES, KeyAlgorithm.TDES2, KeyAlgorithm.TDES3 -> ByteArray(8)
        else -> ByteArray(16)
    }
}
