package org.poscore

/**
 * MACs: ISO 9797-1 algorithms 1 and 3 (ANSI X9.19), the UnionPay POS "ECB" MAC, AES-CMAC and
 * SM4-CMAC. [padding] is the ISO 9797-1 method (1, 2, 3) for algorithms 1 and 3; [length]
 * truncates (at least 4 bytes). Verification is constant time. Errors are [PoscoreException.Mac]
 * or, for a key of the wrong usage or algorithm, [PoscoreException.Keys].
 */
object Mac {
    @Throws(PoscoreException::class)
    fun generate(key: Key, algorithm: MacAlgorithm, data: ByteArray, padding: Int = 1, length: Int? = null): ByteArray =
        macGenerate(key, algorithm, data, padding.toUByte(), length?.toUInt())

    /**
     * False when [mac] does not match; throws for a wrong key or input. [length] is the tag length
     * the protocol prescribes, the algorithm's full MAC by default: a tag of any other length
     * throws `mac.bad_length`, so a received message never chooses its own truncation.
     */
    @Throws(PoscoreException::class)
    fun verify(key: Key, algorithm: MacAlgorithm, data: ByteArray, mac: ByteArray, padding: Int = 1, length: Int? = null): Boolean =
        macVerify(key, algorithm, data, mac, padding.toUByte(), length?.toUInt())

    @Throws(PoscoreException::class)
    fun iso9797Alg1(key: Key, data: ByteArray, padding: Int = 1, length: Int? = null) =
        generate(key, MacAlgorithm.ISO9797_ALG1, data, padding, length)

    @Throws(PoscoreException::class)
    fun iso9797Alg3(key: Key, data: ByteArray, padding: Int = 1, length: Int? = null) =
        generate(key, MacAlgorithm.ISO9797_ALG3, data, padding, length)

    /** ANSI X9.19 retail MAC (ISO 9797-1 algorithm 3, 2TDEA key). */
    @Throws(PoscoreException::class)
    fun x919(key: Key, data: ByteArray, padding: Int = 1, length: Int? = null) = iso9797Alg3(key, data, padding, length)

    /** China UnionPay POS MAC: 8 ASCII hex characters (as bytes). */
    @Throws(PoscoreException::class)
    fun cupEcb(key: Key, data: ByteArray, length: Int? = null) = generate(key, MacAlgorithm.CUP_ECB, data, 1, length)

    @Throws(PoscoreException::class)
    fun aesCmac(key: Key, data: ByteArray, length: Int? = null) = generate(key, MacAlgorithm.AES_CMAC, data, 1, length)

    @Throws(PoscoreException::class)
    fun sm4Cmac(key: Key, data: ByteArray, length: Int? = null) = generate(key, MacAlgorithm.SM4_CMAC, data, 1, length)
}
