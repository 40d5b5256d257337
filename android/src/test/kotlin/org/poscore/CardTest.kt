package org.poscore

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.poscore.Vectors.optStringOrNull

class CardTest {
    private val file = Vectors.load("card")

    @TestFactory
    fun luhn(): List<DynamicTest> = Vectors.cases(file, "luhn") { v ->
        assertEquals(v.getBoolean("valid"), Card.luhnValid(v.getString("input")), "$v")
    }

    @TestFactory
    fun checkDigit(): List<DynamicTest> = Vectors.cases(file, "check_digit") { v ->
        Vectors.expect(v, { Card.luhnCheckDigit(v.getString("partial")) }) { assertEquals(v.getInt("digit"), it) }
    }

    @TestFactory
    fun mask(): List<DynamicTest> = Vectors.cases(file, "mask") { v ->
        val policy = MaskPolicy(keepFirst = v.getInt("keep_first").toUInt(), keepLast = v.getInt("keep_last").toUInt())
        Vectors.expect(v, { Card.maskPan(v.getString("pan"), policy) }) { assertEquals(v.getString("masked"), it) }
    }

    @TestFactory
    fun brand(): List<DynamicTest> = Vectors.cases(file, "brand") { v ->
        assertEquals(v.getString("brand"), Card.brand(v.getString("pan")).wire, "$v")
    }

    @TestFactory
    fun track2(): List<DynamicTest> = Vectors.cases(file, "track2") { v ->
        Vectors.expect(v, { Card.parseTrack2(v.getString("input")) }) { t ->
            val e = v.getJSONObject("expect")
            val exp = e.getJSONObject("expiry")
            assertEquals(
                Track2Summary(
                    maskedPan = e.getString("masked_pan"),
                    brand = Brand.valueOf(e.getString("brand").uppercase()),
                    luhnValid = e.getBoolean("luhn_valid"),
                    expiry = Expiry(exp.getInt("year").toUByte(), exp.getInt("month").toUByte()),
                    serviceCode = e.getString("service_code"),
                    chipCard = e.getBoolean("chip_card"),
                    discretionaryLen = e.getInt("discretionary_len").toUInt(),
                ),
                t,
            )
        }
    }

    @TestFactory
    fun paymentCode(): List<DynamicTest> = Vectors.cases(file, "payment_code") { v ->
        assertEquals(v.optStringOrNull("kind"), Card.classifyPaymentCode(v.getString("code"))?.wire, "$v")
    }

    @TestFactory
    fun inspect(): List<DynamicTest> = Vectors.cases(file, "inspect") { v ->
        Vectors.expect(v, { Card.inspect(v.getString("input")) }) { i -> assertEquals(expectedInspection(v.getJSONObject("expect")), i) }
    }

    private fun expectedInspection(e: JSONObject) = Inspection(
        kind = InputKind.valueOf(e.getString("kind").uppercase()),
        brand = Brand.valueOf(e.getString("brand").uppercase()),
        luhnValid = e.getBoolean("luhn_valid"),
        masked = e.getString("masked"),
        length = e.getInt("length").toUInt(),
        expiry = e.optStringOrNull("expiry"),
        serviceCode = e.optStringOrNull("service_code"),
        chipCard = if (e.isNull("chip_card")) null else e.getBoolean("chip_card"),
        paymentCode = e.optStringOrNull("payment_code")?.let { PaymentCodeKind.valueOf(it.uppercase()) },
    )

    @Test
    fun errorsAreSealedSubclassesWithStableCodes() {
        val e = assertThrows(PoscoreException.Card::class.java) { Card.parseTrack2("4761739001010010X2512201") }
        assertEquals("card.unexpected_char", e.code)
        assertEquals(16u, e.offset)
    }

    @Test
    fun coreVersionIsReported() {
        assertEquals("0.1.0", Poscore.version)
    }
}
