package org.poscore

/**
 * Merchant reports: the settlement report and terminal totals ([PosTerminal.lastSettlementReport],
 * [PosTerminal.terminalTotalsReport]) and statistics ([PosTerminal.statistics]), rendered for a
 * 32- or 48-column printer (`text`), as ESC/POS bytes, HTML (statistics with an SVG chart) or
 * JSON, in Chinese (`zh`) or English (`en`).
 */
object Report {
    /** A settlement report or terminal totals as text. */
    @Throws(PoscoreException::class)
    fun settlementText(reportJson: String, width: Int = 32, lang: String = "zh"): String =
        String(reportSettlement(reportJson, "text", width.toUShort(), lang), Charsets.UTF_8)

    /** A settlement report or terminal totals in [format] (`text`, `escpos`, `html`, `json`). */
    @Throws(PoscoreException::class)
    fun settlement(reportJson: String, format: String, width: Int = 32, lang: String = "zh"): ByteArray =
        reportSettlement(reportJson, format, width.toUShort(), lang)

    /** Statistics in [format] (`text`, `escpos`, `html`, `json`, `csv`). */
    @Throws(PoscoreException::class)
    fun statistics(reportJson: String, format: String, width: Int = 32, lang: String = "zh"): ByteArray =
        reportStatistics(reportJson, format, width.toUShort(), lang)
}
