package org.poscore

import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.api.DynamicTest
import java.io.File

/** Loads tests/vectors/NAME.json, the vectors every surface runs. */
object Vectors {
    private val dir = File(System.getProperty("poscore.vectors") ?: "../tests/vectors")

    fun load(name: String): JSONObject = JSONObject(file("$name.json").readText())

    /** A file under tests/vectors/. */
    fun file(path: String): File = File(dir, path)

    /** One dynamic test per vector of [group], named `file.group[i]`. */
    fun cases(file: JSONObject, group: String, check: (JSONObject) -> Unit): List<DynamicTest> {
        val arr: JSONArray = file.getJSONArray(group)
        assertTrue(arr.length() > 0, "$group is empty")
        return (0 until arr.length()).map { i ->
            val v = arr.getJSONObject(i)
            DynamicTest.dynamicTest("$group[$i]") { check(v) }
        }
    }

    /** Runs [block]; when the vector expects an error, checks the exception's code and offset. */
    fun <T> expect(v: JSONObject, block: () -> T, onOk: (T) -> Unit) {
        val result = try {
            block()
        } catch (e: PoscoreException) {
            if (!v.has("error")) throw e
            assertEquals(v.getString("error"), errorCode(e), "$v")
            if (v.has("offset")) assertEquals(v.getInt("offset"), errorOffset(e), "$v")
            return
        }
        if (v.has("error")) fail<Unit>("expected ${v.getString("error")} for $v, got $result")
        onOk(result)
    }

    fun errorCode(e: PoscoreException): String = when (e) {
        is PoscoreException.Card -> e.code
        is PoscoreException.Response -> e.code
        is PoscoreException.Receipt -> e.code
        is PoscoreException.Report -> e.code
        is PoscoreException.Iso8583 -> e.code
        is PoscoreException.Tlv -> e.code
        is PoscoreException.Keys -> e.code
        is PoscoreException.Pin -> e.code
        is PoscoreException.Mac -> e.code
        is PoscoreException.Dukpt -> e.code
        is PoscoreException.Tr31 -> e.code
        is PoscoreException.Rng -> e.code
        is PoscoreException.Store -> e.code
        is PoscoreException.Terminal -> e.code
        is PoscoreException.Tms -> e.code
        is PoscoreException.Emv -> e.code
        is PoscoreException.Order -> e.code
    }

    fun errorOffset(e: PoscoreException): Int? = when (e) {
        is PoscoreException.Card -> e.offset?.toInt()
        is PoscoreException.Iso8583 -> e.offset?.toInt()
        is PoscoreException.Tlv -> e.offset.toInt()
        is PoscoreException.Tms -> e.offset?.toInt()
        else -> null
    }

    /** Missing or JSON null -> Kotlin null. */
    fun JSONObject.optLongOrNull(key: String): Long? = if (isNull(key)) null else getLong(key)

    /** Missing or JSON null -> Kotlin null. */
    fun JSONObject.optIntOrNull(key: String): Int? = if (isNull(key)) null else getInt(key)

    /** JSON null -> Kotlin null. */
    fun JSONObject.optStringOrNull(key: String): String? = if (isNull(key)) null else getString(key)
}

/** `UNION_PAY` -> `union_pay`: UniFFI enum constants back to the vectors' spelling. */
val Enum<*>.wire: String get() = name.lowercase()
