package org.poscore

/** Helpers the crypto vector tests share: keys built the way the Rust vector runners (core/tests) build them. */
object CryptoVectors {
    fun bytes(hex: String): ByteArray = Hex.decode(hex)

    fun hex(bytes: ByteArray): String = Hex.encode(bytes)

    /** `tdes` / `aes` pick the variant by length (an impossible length fails with `keys.bad_length`). */
    fun key(family: String, usage: KeyUsage, hex: String): Key {
        val b = Hex.decode(hex)
        val alg = when (family) {
            "tdes" -> when (b.size) { 8 -> KeyAlgorithm.DES; 24 -> KeyAlgorithm.TDES3; else -> KeyAlgorithm.TDES2 }
            "aes" -> when (b.size) { 24 -> KeyAlgorithm.AES192; 32 -> KeyAlgorithm.AES256; else -> KeyAlgorithm.AES128 }
            "sm4" -> KeyAlgorithm.SM4
            else -> KeyAlgorithm.valueOf(family.uppercase())
        }
        return Key.dangerousFromBytes(alg, usage, b)
    }

    /** `pin_encryption` -> [KeyUsage.PIN_ENCRYPTION]. */
    fun usage(name: String): KeyUsage = KeyUsage.valueOf(name.uppercase())

    fun macAlgorithm(name: String): MacAlgorithm = when (name) {
        "iso9797-1-alg1" -> MacAlgorithm.ISO9797_ALG1
        "iso9797-1-alg3", "x9.19" -> MacAlgorithm.ISO9797_ALG3
        "cup-ecb" -> MacAlgorithm.CUP_ECB
        "aes-cmac" -> MacAlgorithm.AES_CMAC
        "sm4-cmac" -> MacAlgorithm.SM4_CMAC
        else -> error("unknown MAC algorithm $name")
    }

    /** `mac-generate` -> [DukptKeyUsage.MAC_GENERATE], `kek` -> [DukptKeyUsage.KEY_ENCRYPTION]. */
    fun dukptUsage(name: String): DukptKeyUsage =
        if (name == "kek") DukptKeyUsage.KEY_ENCRYPTION else DukptKeyUsage.valueOf(name.replace('-', '_').uppercase())

    /** `2tdea` -> TDES2, `aes128` -> AES128. */
    fun keyType(name: String): KeyAlgorithm = when (name) {
        "2tdea" -> KeyAlgorithm.TDES2
        "3tdea" -> KeyAlgorithm.TDES3
        else -> KeyAlgorithm.valueOf(name.uppercase())
    }
}
