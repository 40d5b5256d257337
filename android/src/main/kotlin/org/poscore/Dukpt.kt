package org.poscore

/**
 * DUKPT host side: ANSI X9.24-1 TDES (transaction key and its PIN, MAC and data variants) and
 * ANSI X9.24-3 AES (working keys by usage and type). Every key comes back as a [Key] handle.
 * Errors are [PoscoreException.Dukpt] (`dukpt.invalid_counter`, `dukpt.bad_ksn`, ...).
 */
object Dukpt {
    /** The TDES IPEK for [ksn]'s initial key ID, from a `BDK` key. */
    @Throws(PoscoreException::class)
    fun ipek(bdk: Key, ksn: ByteArray): Key = dukptTdesIpek(bdk, ksn)

    /** Every TDES key of [ksn] from a BDK or an IPEK (`DUKPT_INITIAL_KEY`). */
    @Throws(PoscoreException::class)
    fun derive(bdkOrIpek: Key, ksn: ByteArray): TdesDukptKeys = dukptTdesDerive(bdkOrIpek, ksn)

    /** The TDES transaction key of [ksn], before any variant. */
    @Throws(PoscoreException::class)
    fun deriveTransactionKey(bdkOrIpek: Key, ksn: ByteArray): Key = derive(bdkOrIpek, ksn).transactionKey

    /** The AES initial key for an 8-byte initial key ID. */
    @Throws(PoscoreException::class)
    fun aesInitialKey(bdk: Key, initialKeyId: ByteArray): Key = dukptAesInitialKey(bdk, initialKeyId)

    /** AES DUKPT from a BDK or the initial key; [keyType] defaults to the key's own AES length. */
    @Throws(PoscoreException::class)
    fun aesDerive(
        bdkOrInitialKey: Key,
        ksn: ByteArray,
        keyUsage: DukptKeyUsage = DukptKeyUsage.PIN,
        keyType: KeyAlgorithm = bdkOrInitialKey.algorithm(),
    ): AesDukptKeys = dukptAesDerive(bdkOrInitialKey, ksn, keyUsage, keyType)
}

/**
 * DUKPT terminal side (PIN pad): future-key registers loaded from the initial key, the counter
 * that skips values with too many one-bits, exhaustion, and state for the secure store.
 */
object DukptTerminal {
    /** TDES, from the IPEK and initial KSN; [resume] starts at the KSN's counter (test benches). */
    @Throws(PoscoreException::class)
    fun tdes(ipek: Key, ksn: ByteArray, resume: Boolean = false): TdesDukptTerminal = TdesDukptTerminal.load(ipek, ksn, resume)

    /** AES, from the initial key and its 8-byte ID, or ([resume]) at a 12-byte KSN. */
    @Throws(PoscoreException::class)
    fun aes(initialKey: Key, initialKeyIdOrKsn: ByteArray, resume: Boolean = false): AesDukptTerminal =
        AesDukptTerminal.load(initialKey, initialKeyIdOrKsn, resume)
}
