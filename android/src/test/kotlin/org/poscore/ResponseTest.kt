package org.poscore

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.poscore.Vectors.optStringOrNull

class ResponseTest {
    private val file = Vectors.load("response")

    private fun explanation(e: JSONObject) = Explanation(
        code = e.getString("code"),
        source = ResponseSource.valueOf(e.getString("source").uppercase()),
        outcome = Outcome.valueOf(e.getString("outcome").replace(Regex("([a-z])([A-Z])"), "$1_$2").uppercase()),
        cause = Cause.valueOf(e.getString("cause").uppercase()),
        operatorText = e.getString("operator_text"),
        customerText = e.getString("customer_text"),
        remedies = e.getJSONArray("remedies").map { it as String },
        unknown = e.getBoolean("unknown"),
    )

    /** The fields every diagnose vector pins down. */
    private fun summary(d: DiagnosisReport) =
        listOf(d.explanation.code, d.explanation.outcome.name, d.explanation.unknown, d.action.wire, d.reversalReason)

    private fun expected(v: JSONObject) = listOf(
        v.getString("code"),
        v.getString("outcome").replace(Regex("([a-z])([A-Z])"), "$1_$2").uppercase(),
        v.getBoolean("unknown"),
        v.getString("action"),
        v.optStringOrNull("reversal_reason"),
    )

    @TestFactory
    fun lookup(): List<DynamicTest> = Vectors.cases(file, "lookup") { v ->
        assertEquals(explanation(v.getJSONObject("expect")), Response.registry(v.getString("profile")).explain(v.getString("code"), v.getString("lang")))
    }

    @TestFactory
    fun diagnose(): List<DynamicTest> = Vectors.cases(file, "diagnose") { v ->
        val d = Response.diagnose(v.getString("event"), request = v.getString("request"), profile = v.getString("profile"))
        assertEquals(expected(v), summary(d), "$v")
    }

    @TestFactory
    fun profileLookup(): List<DynamicTest> = Vectors.cases(file, "profile_lookup") { v ->
        val reg = Response.fromProfile(v.getString("profile_json"))
        assertEquals(explanation(v.getJSONObject("expect")), reg.explain(v.getString("code"), v.getString("lang")))
    }

    @TestFactory
    fun profileDiagnose(): List<DynamicTest> = Vectors.cases(file, "profile_diagnose") { v ->
        val reg = Response.fromProfile(v.getString("profile_json"))
        assertEquals(expected(v), summary(reg.diagnose(v.getString("request"), v.getString("event"), "zh")), "$v")
    }

    @TestFactory
    fun profileErrors(): List<DynamicTest> = Vectors.cases(file, "profile_errors") { v ->
        Vectors.expect(v, { Response.fromProfile(v.getString("profile_json")) }) {}
    }

    @TestFactory
    fun lang(): List<DynamicTest> = Vectors.cases(file, "lang") { v ->
        Vectors.expect(v, { Response.parseLang(v.getString("input")) }) { assertEquals(v.getString("lang"), it) }
    }

    @TestFactory
    fun eventKeys(): List<DynamicTest> = Vectors.cases(file, "event_keys") { v ->
        Vectors.expect(v, { Response.parseEvent(v.getString("key")) }) {}
    }

    @Test
    fun timeoutAfterSendReversesWithReason98InBothLanguages() {
        val zh = Response.diagnose("comm.receive_timeout.after_send")
        val en = Response.diagnose("comm.receive_timeout.after_send", lang = "en")
        assertEquals(NextAction.REVERSE, zh.action)
        assertEquals("98", zh.reversalReason)
        assertTrue(zh.explanation.operatorText.any { it in '\u4e00'..'\u9fff' })
        assertTrue(en.explanation.operatorText.all { it.code < 128 })
    }

    @Test
    fun aBareHostCodeDiagnosesLikeCodeNN() {
        assertEquals(Response.diagnose("code:51"), Response.diagnose("51"))
        org.junit.jupiter.api.assertThrows<PoscoreException> { Response.diagnose("5") }
    }
}
