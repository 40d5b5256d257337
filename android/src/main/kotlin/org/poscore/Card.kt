package org.poscore

/**
 * Card numbers, track 2 data and scanned payment codes (付款码).
 *
 * A thin, idiomatic face over the Rust core: every call goes straight to `poscore::card`.
 * Parsing errors are thrown as [PoscoreException.Card] with a stable `code` and the offset.
 */
object Card {
    /** True when [number] is all digits and its last digit is a correct Luhn check digit. */
    fun luhnValid(number: String): Boolean = cardLuhnValid(number)

    /** The Luhn check digit to append to [partial]. */
    @Throws(PoscoreException::class)
    fun luhnCheckDigit(partial: String): Int = cardLuhnCheckDigit(partial).toInt()

    /** Mask a PAN: first 6 / last 4 visible unless [policy] says otherwise. */
    @Throws(PoscoreException::class)
    fun maskPan(pan: String, policy: MaskPolicy? = null): String = cardMaskPan(pan, policy)

    /** Card brand by IIN. */
    fun brand(pan: String): Brand = cardBrand(pan)

    /** Parse track 2 data; the result holds no full PAN and no discretionary data. */
    @Throws(PoscoreException::class)
    fun parseTrack2(input: String): Track2Summary = cardParseTrack2(input)

    /** The wallet of a scanned payment code, or null. */
    fun classifyPaymentCode(code: String): PaymentCodeKind? = cardClassifyPaymentCode(code)

    /** Recognise a PAN, track 2 data or payment code. */
    @Throws(PoscoreException::class)
    fun inspect(input: String): Inspection = cardInspect(input)
}
