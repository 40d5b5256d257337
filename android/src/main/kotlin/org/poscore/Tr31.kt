package org.poscore

/**
 * TR-31 key blocks, versions B (TDES KBPK) and D (AES KBPK). Unwrapping verifies the MAC before
 * anything else and returns the key as a [Key] typed from the header. Errors are
 * [PoscoreException.Tr31] (`tr31.mac_mismatch`, ...).
 */
object Tr31 {
    /** A header from a block or a template such as `B0000P0TE00N0000`. */
    @Throws(PoscoreException::class)
    fun parseHeader(header: String): Tr31Header = tr31ParseHeader(header)

    /** Wrap [key] under [kbpk]; [seed] pins the random padding (tests only). */
    @Throws(PoscoreException::class)
    fun wrap(kbpk: Key, key: Key, header: Tr31Header, maskedKeyLen: Int? = null, seed: Long? = null): String =
        tr31Wrap(kbpk, key, header, maskedKeyLen?.toUInt(), seed?.toULong())

    /** Wrap with a header template (`B0000P0TE00N0000`). */
    @Throws(PoscoreException::class)
    fun wrap(kbpk: Key, key: Key, header: String, maskedKeyLen: Int? = null, seed: Long? = null): String =
        wrap(kbpk, key, parseHeader(header), maskedKeyLen, seed)

    @Throws(PoscoreException::class)
    fun unwrap(kbpk: Key, block: String): Tr31Block = tr31Unwrap(kbpk, block)
}
