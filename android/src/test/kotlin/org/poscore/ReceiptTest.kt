package org.poscore

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory

/** tests/vectors/receipts/ goldens, byte for byte, through the Kotlin API. */
class ReceiptTest {
    private val index = JSONObject(Vectors.file("receipts/index.json").readText())

    private fun options(o: JSONObject) = Receipt.options(
        width = o.getInt("width"),
        lang = ReceiptLang.valueOf(o.getString("lang").uppercase()),
        copy = ReceiptCopy.valueOf(o.getString("copy").uppercase()),
        reprint = o.getBoolean("reprint"),
        noSignatureLimit = o.getLong("no_signature_limit"),
    )

    @TestFactory
    fun goldens(): List<DynamicTest> {
        val cases = index.getJSONArray("cases")
        return (0 until cases.length()).map { i ->
            val c = cases.getJSONObject(i)
            DynamicTest.dynamicTest(c.getString("name")) {
                val input = Vectors.file("receipts/" + c.getString("input")).readText()
                val o = c.getJSONObject("options")
                val v = JSONObject().apply { if (c.has("expected_error")) put("error", c.getString("expected_error")) }
                val render: () -> Any = {
                    when (o.getString("format")) {
                        "text" -> Receipt.text(input, options(o))
                        "escpos" -> Receipt.escpos(input, options(o))
                        "html" -> Receipt.html(input, options(o))
                        else -> Receipt.json(input, options(o))
                    }
                }
                Vectors.expect(v, render) { out ->
                    val expected = Vectors.file("receipts/" + c.getString("expected")).readText()
                    if (out is ByteArray) {
                        assertEquals(expected.trim(), out.joinToString("") { "%02X".format(it) })
                    } else {
                        assertEquals(expected, out)
                    }
                }
            }
        }
    }

    @Test
    fun noFullPanInAnyFormat() {
        val input = Vectors.file("receipts/inputs/chip_sale.json").readText()
        for (out in listOf(Receipt.text(input), Receipt.html(input), Receipt.json(input))) {
            assertFalse(out.contains("6212345678901232"))
        }
    }
}
