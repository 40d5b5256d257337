package org.poscore

/**
 * Receipts (出票) from a completed-transaction record (the JSON the engine produces; schema in
 * the core's `receipt` module): text for 58 mm (32 columns) or 80 mm (48) printers, ESC/POS
 * bytes (GBK) for the thermal printer, and HTML / JSON electronic receipts. The PAN is masked
 * (first 6 / last 4) before anything is rendered.
 */
object Receipt {
    /** Rendering options with the usual defaults. */
    fun options(
        width: Int = 32,
        lang: ReceiptLang = ReceiptLang.ZH,
        copy: ReceiptCopy = ReceiptCopy.MERCHANT,
        reprint: Boolean = false,
        noSignatureLimit: Long = 100_000,
    ): RenderOptions = RenderOptions(width.toUShort(), lang, copy, reprint, noSignatureLimit.toULong())

    @Throws(PoscoreException::class)
    fun text(txnJson: String, options: RenderOptions = options()): String = receiptText(txnJson, options)

    @Throws(PoscoreException::class)
    fun escpos(txnJson: String, options: RenderOptions = options()): ByteArray = receiptEscpos(txnJson, options)

    @Throws(PoscoreException::class)
    fun html(txnJson: String, options: RenderOptions = options()): String = receiptHtml(txnJson, options)

    @Throws(PoscoreException::class)
    fun json(txnJson: String, options: RenderOptions = options()): String = receiptJson(txnJson, options)
}
