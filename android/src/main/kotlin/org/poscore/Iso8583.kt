package org.poscore

/**
 * ISO 8583 messages. `spec` is a bundled spec name (`cup-pos`, `iso87binary`, `iso87ascii`) or a
 * spec's JSON. Field values are [FieldValue.Text] for character fields and [FieldValue.Binary]
 * for binary ones; errors are [PoscoreException.Iso8583] naming the field and byte offset.
 */
object Iso8583 {
    @Throws(PoscoreException::class)
    fun pack(spec: String, mti: String, fields: Map<Int, FieldValue>): ByteArray =
        iso8583Pack(spec, Iso8583Message(mti, fields))

    @Throws(PoscoreException::class)
    fun pack(spec: String, message: Iso8583Message): ByteArray = iso8583Pack(spec, message)

    @Throws(PoscoreException::class)
    fun unpack(spec: String, bytes: ByteArray): Iso8583Message = iso8583Unpack(spec, bytes)

    /** Field-by-field text, PAN/track masked, PIN block, cryptograms, keys and MAC redacted. */
    @Throws(PoscoreException::class)
    fun describe(spec: String, bytes: ByteArray): String = iso8583Describe(spec, bytes)

    /** The bytes the MAC covers. */
    @Throws(PoscoreException::class)
    fun macBlock(spec: String, message: Iso8583Message): ByteArray = iso8583MacBlock(spec, message)

    @Throws(PoscoreException::class)
    fun mti(mti: String): MtiInfo = iso8583MtiInfo(mti)

    /** A message from the command line's JSON (`{"mti":"0200","fields":{"2":"..."}}`). */
    @Throws(PoscoreException::class)
    fun fromJson(spec: String, json: String): Iso8583Message = iso8583MessageFromJson(spec, json)

    /** The command line's JSON for a message. */
    @Throws(PoscoreException::class)
    fun toJson(spec: String, message: Iso8583Message): String = iso8583MessageToJson(spec, message)
}

/** TCP framing: length header (`binary2`, `bcd2`, `ascii4`), TPDU, terminal header. */
object Framing {
    @Throws(PoscoreException::class)
    fun encode(length: String, tpdu: ByteArray?, header: ByteArray, message: ByteArray): ByteArray =
        frameEncode(length, tpdu, header, message)

    @Throws(PoscoreException::class)
    fun decode(config: FrameConfig, bytes: ByteArray): DecodedFrame = frameDecode(config, bytes)

    /** The usual layout; `tpdu` and `headerLen` as the acquirer requires. */
    fun config(length: String = "binary2", tpdu: Boolean = true, headerLen: Int = 0, maxFrame: Int = 8192) =
        FrameConfig(length, tpdu, headerLen.toUInt(), maxFrame.toUInt())
}

/** EMV BER-TLV (field 55), flattened in order: a template, then its children. */
object Tlv {
    @Throws(PoscoreException::class)
    fun decode(bytes: ByteArray, masked: Boolean = false): List<TlvObject> = tlvDecode(bytes, masked)
}
