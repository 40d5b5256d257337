package org.poscore

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.poscore.Vectors.optStringOrNull

private fun ByteArray.hex() = joinToString("") { "%02X".format(it) }
private fun String.unhex() = chunked(2).map { it.toInt(16).toByte() }.toByteArray()

/** tests/vectors/iso8583.json and tlv.json through the Kotlin API. */
class Iso8583Test {
    private val file = Vectors.load("iso8583")
    private val tlv = Vectors.load("tlv")

    /** A vector's spec: bundled by name, or defined in the file's `specs` map. */
    private fun spec(v: JSONObject): String {
        val name = v.getString("spec")
        val specs = file.optJSONObject("specs")
        return if (specs != null && specs.has(name)) specs.getJSONObject(name).toString() else name
    }

    /** Field order differs between JSON texts; compare as maps. */
    private fun sameJson(expected: JSONObject, actual: String) = assertEquals(expected.toMap(), JSONObject(actual).toMap())

    @TestFactory
    fun pack(): List<DynamicTest> = Vectors.cases(file, "pack") { v ->
        val msg = Iso8583.fromJson(spec(v), v.getJSONObject("message").toString())
        assertEquals(v.getString("hex"), Iso8583.pack(spec(v), msg).hex(), v.getString("name"))
        val back = Iso8583.unpack(spec(v), v.getString("hex").unhex())
        sameJson(JSONObject(Iso8583.toJson(spec(v), msg)), Iso8583.toJson(spec(v), back))
        sameJson(v.getJSONObject("message"), Iso8583.toJson(spec(v), back))
    }

    @TestFactory
    fun unpackErrors(): List<DynamicTest> = Vectors.cases(file, "unpack_errors") { v ->
        Vectors.expect(v, { Iso8583.unpack(spec(v), v.getString("hex").unhex()) }) {}
        if (v.has("field")) {
            val e = runCatching { Iso8583.unpack(spec(v), v.getString("hex").unhex()) }.exceptionOrNull() as PoscoreException.Iso8583
            assertEquals(v.getInt("field"), e.field?.toInt())
        }
    }

    @TestFactory
    fun packErrors(): List<DynamicTest> = Vectors.cases(file, "pack_errors") { v ->
        Vectors.expect(v, { Iso8583.pack(spec(v), Iso8583.fromJson(spec(v), v.getJSONObject("message").toString())) }) {}
    }

    @TestFactory
    fun mti(): List<DynamicTest> = Vectors.cases(file, "mti") { v ->
        val m = Iso8583.mti(v.getString("mti"))
        assertEquals(
            listOf(v.optStringOrNull("response"), v.getBoolean("is_request"), v.getBoolean("is_reversal"), v.getBoolean("is_repeat")),
            listOf(m.response, m.isRequest, m.isReversal, m.isRepeat),
        )
    }

    @TestFactory
    fun macBlock(): List<DynamicTest> = Vectors.cases(file, "mac_block") { v ->
        val msg = Iso8583.fromJson(spec(v), v.getJSONObject("message").toString())
        assertEquals(v.getString("mac_block"), Iso8583.macBlock(spec(v), msg).hex())
    }

    @TestFactory
    fun frame(): List<DynamicTest> = Vectors.cases(file, "frame") { v ->
        val tpdu = v.optStringOrNull("tpdu")?.unhex()
        val header = (v.optStringOrNull("header") ?: "").unhex()
        val wire = Framing.encode(v.getString("length"), tpdu, header, v.getString("message").unhex())
        assertEquals(v.getString("hex"), wire.hex())
        val config = Framing.config(v.getString("length"), tpdu != null, header.size)
        val f = Framing.decode(config, wire)
        assertEquals(v.getString("message"), f.message.hex())
        v.optStringOrNull("response_tpdu")?.let { assertEquals(it, f.responseTpdu?.hex()) }
        val d = FrameDecoder(config)
        val got = mutableListOf<String>()
        for (b in wire + wire) {
            d.push(byteArrayOf(b))
            while (true) got.add(d.nextFrame()?.message?.hex() ?: break)
        }
        assertEquals(listOf(v.getString("message"), v.getString("message")), got)
    }

    @TestFactory
    fun frameErrors(): List<DynamicTest> = Vectors.cases(file, "frame_errors") { v ->
        val config = Framing.config(v.getString("length"), v.has("tpdu"), v.getInt("header_len"), v.getInt("max_frame"))
        Vectors.expect(v, { Framing.decode(config, v.getString("hex").unhex()) }) {}
    }

    /** Flattens the vectors' nested TLV JSON the way the Kotlin API does. */
    private fun flatten(items: org.json.JSONArray, prefix: String, out: MutableList<TlvObject>) {
        for (i in 0 until items.length()) {
            val t = items.getJSONObject(i)
            val path = if (prefix.isEmpty()) t.getString("tag") else "$prefix/${t.getString("tag")}"
            out.add(TlvObject(path, t.getString("tag"), t.optStringOrNull("name"), t.getInt("len").toUInt(), t.optStringOrNull("value")))
            t.optJSONArray("children")?.let { flatten(it, path, out) }
        }
    }

    @TestFactory
    fun tlvDecode(): List<DynamicTest> = Vectors.cases(tlv, "decode") { v ->
        val expected = mutableListOf<TlvObject>().also { flatten(v.getJSONArray("tlv"), "", it) }
        assertEquals(expected, Tlv.decode(v.getString("hex").unhex()))
    }

    @TestFactory
    fun tlvErrors(): List<DynamicTest> = Vectors.cases(tlv, "errors") { v ->
        Vectors.expect(v, { Tlv.decode(v.getString("hex").unhex()) }) {}
    }

    @Test
    fun describeMasksThePan() {
        val v = file.getJSONArray("pack").let { a -> (0 until a.length()).map { a.getJSONObject(it) }.first { it.getString("spec") == "cup-pos" } }
        val text = Iso8583.describe("cup-pos", v.getString("hex").unhex())
        val pan = v.getJSONObject("message").getJSONObject("fields").optString("2")
        if (pan.isNotEmpty()) assertFalse(text.contains(pan))
    }
}
