package org.poscore

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory

/** tests/vectors/order_rules.json through [PaymentOrder]: the same cases as core/tests/order_vectors.rs. */
class OrderTest {
    private val file = Vectors.load("order_rules")

    /** `in_progress` -> [OrderAnswer.IN_PROGRESS]: the vectors' spelling to the UniFFI enum. */
    private fun answer(s: String) = OrderAnswer.valueOf(s.uppercase())

    /** The status as the vectors' JSON state object (`{"state": "revoked", "refunded": true}`). */
    private fun asJson(s: OrderStatus): Map<String, Any?> = buildMap {
        put("state", s.state)
        s.action?.let { put("action", it.wire) }
        s.atMs?.let { put("at", it.toLong()) }
        s.attempts?.let { put("attempts", it.toLong()) }
        if (s.state == "revoked") put("refunded", s.refunded)
    }

    private fun expected(o: JSONObject): Map<String, Any?> =
        o.keySet().associateWith { k -> if (o.isNull(k)) null else o.get(k).let { if (it is Number) it.toLong() else it } }

    @TestFactory
    fun vectors(): List<DynamicTest> = Vectors.cases(file, "vectors") { v ->
        val name = v.getString("name")
        val o = PaymentOrder(v.getString("wallet"), 0uL)
        val steps = v.getJSONArray("steps")
        for (i in 0 until steps.length()) {
            val s = steps.getJSONObject(i)
            val t = s.getLong("t").toULong()
            val at = "$name: step $i"
            when {
                s.has("send") -> {
                    assertEquals(t, o.nextTimeout(), "$at: due at")
                    if (t > 0uL) assertNull(o.poll(t - 1uL), "$at: not due 1 ms early")
                    assertEquals(s.getString("send"), o.poll(t)?.wire, "$at: sent")
                }
                s.has("reply") -> o.handle(answer(s.getString("reply")), t)
                s.has("abandon") -> o.abandon(t)
                s.has("retry_cancel") -> o.retryCancel(t)
                else -> error("$at: unknown step")
            }
        }
        assertEquals(expected(v.getJSONObject("state")), asJson(o.status()), "$name: state")
        assertEquals(v.getJSONObject("state").getString("state") in setOf("paid", "closed", "revoked"), o.status().isFinal)
    }

    @Test
    fun `errors are PoscoreException Order with the core's codes`() {
        val unknown = assertThrows(PoscoreException.Order::class.java) { PaymentOrder("paypal", 0uL) }
        assertEquals("order.unknown_wallet", unknown.code)
        val o = PaymentOrder("alipay", 0uL)
        val early = assertThrows(PoscoreException.Order::class.java) { o.handle(OrderAnswer.PAID, 0uL) }
        assertEquals("order.unexpected_answer", early.code)
        assertEquals(OrderAction.PAY, o.poll(0uL))
        assertNull(o.nextTimeout())
        o.handle(OrderAnswer.DECLINED, 10uL)
        assertTrue(o.status().isFinal)
        assertEquals("closed", o.status().state)
    }
}
