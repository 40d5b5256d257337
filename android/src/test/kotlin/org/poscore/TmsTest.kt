package org.poscore

import org.json.JSONArray
import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestFactory
import org.poscore.CryptoVectors.bytes
import org.poscore.CryptoVectors.hex

/** tests/vectors/tms.json through [Tms]: the same cases as core/tests/tms_vectors.rs. */
class TmsTest {
    private val file = Vectors.load("tms")

    // ---- records <-> the vectors' JSON (the core's serde form) ----------------------------------

    /** JSON values as plain Kotlin values, numbers as Long, so records and vectors compare. */
    private fun canon(v: Any?): Any? = when (v) {
        null, JSONObject.NULL -> null
        is JSONObject -> v.keySet().sorted().associateWith { canon(v.get(it)) }
        is JSONArray -> (0 until v.length()).map { canon(v.get(it)) }
        is Map<*, *> -> v.entries.associate { (k, x) -> k.toString() to canon(x) }.toSortedMap()
        is List<*> -> v.map { canon(it) }
        is Number -> v.toLong()
        is UByte -> v.toLong()
        is UShort -> v.toLong()
        is UInt -> v.toLong()
        is ULong -> v.toLong()
        else -> v
    }

    private fun same(expected: Any?, actual: Map<String, Any?>, what: String) = assertEquals(canon(expected), canon(actual), what)

    private fun capkMap(k: TmsCapk) = mapOf(
        "rid" to k.rid, "index" to k.index, "expiry" to k.expiry, "hash_alg" to k.hashAlg, "pk_alg" to k.pkAlg,
        "modulus" to k.modulus, "exponent" to k.exponent, "checksum" to k.checksum, "other" to k.other,
    )

    private fun keyMap(k: TmsKeyRef) = mapOf("rid" to k.rid, "index" to k.index, "expiry" to k.expiry)

    private fun aidMap(p: TmsAidParams) = mapOf(
        "aid" to p.aid, "asi" to p.asi, "app_version" to p.appVersion, "tac_default" to p.tacDefault,
        "tac_online" to p.tacOnline, "tac_denial" to p.tacDenial, "floor_limit" to p.floorLimit,
        "threshold" to p.threshold, "max_target_percent" to p.maxTargetPercent, "target_percent" to p.targetPercent,
        "default_ddol" to p.defaultDdol, "online_pin" to p.onlinePin, "ec_limit" to p.ecLimit,
        "cl_floor_limit" to p.clFloorLimit, "cl_txn_limit" to p.clTxnLimit, "cl_cvm_limit" to p.clCvmLimit,
        "other" to p.other,
    )

    private fun paramsMap(p: TmsTerminalParams) = mapOf(
        "app_type" to p.appType, "receive_timeout" to p.receiveTimeout, "dial_retries" to p.dialRetries,
        "host_phone1" to p.hostPhone1, "host_phone2" to p.hostPhone2, "host_phone3" to p.hostPhone3,
        "host_phone4" to p.hostPhone4, "tip_enabled" to p.tipEnabled, "tip_percent" to p.tipPercent,
        "manual_entry" to p.manualEntry, "auto_sign_off" to p.autoSignOff, "merchant_name" to p.merchantName,
        "resend_count" to p.resendCount, "offline_upload" to p.offlineUpload, "key_index" to p.keyIndex,
        "txn_switches" to p.txnSwitches, "other" to p.other, "unparsed" to p.unparsed,
    )

    private fun JSONObject.str(key: String): String? = if (isNull(key)) null else getString(key)
    private fun JSONObject.num(key: String): Long? = if (isNull(key)) null else getLong(key)
    private fun JSONObject.flag(key: String): Boolean? = if (isNull(key)) null else getBoolean(key)
    private fun JSONObject.map(key: String): Map<String, String> =
        optJSONObject(key)?.let { o -> o.keySet().associateWith { o.getString(it) } } ?: emptyMap()

    private fun keyRef(o: JSONObject) = TmsKeyRef(o.getString("rid"), o.getInt("index").toUByte(), o.str("expiry"))

    private fun params(o: JSONObject) = TmsTerminalParams(
        appType = o.str("app_type"), receiveTimeout = o.num("receive_timeout")?.toInt()?.toUByte(),
        dialRetries = o.num("dial_retries")?.toInt()?.toUByte(), hostPhone1 = o.str("host_phone1"),
        hostPhone2 = o.str("host_phone2"), hostPhone3 = o.str("host_phone3"), hostPhone4 = o.str("host_phone4"),
        tipEnabled = o.flag("tip_enabled"), tipPercent = o.num("tip_percent")?.toInt()?.toUByte(),
        manualEntry = o.flag("manual_entry"), autoSignOff = o.flag("auto_sign_off"), merchantName = o.str("merchant_name"),
        resendCount = o.num("resend_count")?.toInt()?.toUByte(), offlineUpload = o.str("offline_upload"),
        keyIndex = o.num("key_index")?.toInt()?.toUByte(), txnSwitches = o.str("txn_switches"), other = o.map("other"),
        unparsed = o.str("unparsed"),
    )

    private fun continuation(v: JSONObject): TmsContinuation = TmsContinuation.valueOf(v.getString("continuation").uppercase())

    /** The vector's expected error, thrown as [PoscoreException.Tms] with its code, offset and tag. */
    private fun <T> fails(v: JSONObject, block: () -> T) {
        val e = assertThrows(PoscoreException.Tms::class.java) { block() }
        assertEquals(v.getString("error"), e.code, "$v: ${e.message}")
        if (v.has("offset")) assertEquals(v.getInt("offset"), e.offset?.toInt(), "$v")
        if (v.has("tag")) assertEquals(v.getString("tag"), e.tag, "$v")
    }

    private fun encoded(v: JSONObject): String = if (v.has("encoded")) v.getString("encoded") else v.getString("hex")

    // ---- the groups of tms.json ----------------------------------------------------------------

    @TestFactory
    fun capk(): List<DynamicTest> = Vectors.cases(file, "capk") { v ->
        val k = Tms.parseCapk(bytes(v.getString("hex")))
        same(v.getJSONObject("capk"), capkMap(k), "$v")
        assertEquals(encoded(v), hex(Tms.capkToTlv(k)))
        assertEquals("31" + encoded(v), hex(Tms.encodeCapkDownload(k)))
        assertEquals(k.checksum, Tms.newCapk(k.rid, k.index.toInt(), k.expiry, k.modulus, k.exponent).checksum)
    }

    @TestFactory
    fun capkErrors(): List<DynamicTest> = Vectors.cases(file, "capk_errors") { v -> fails(v) { Tms.parseCapk(bytes(v.getString("hex"))) } }

    @TestFactory
    fun queryRequest(): List<DynamicTest> = Vectors.cases(file, "query_request") { v ->
        val start = v.getInt("start_index")
        if (v.has("error")) fails(v) { Tms.queryRequest(start) } else assertEquals(v.getString("hex"), hex(Tms.queryRequest(start)))
    }

    @TestFactory
    fun splitReply(): List<DynamicTest> = Vectors.cases(file, "split_reply") { v ->
        val f = bytes(v.getString("hex"))
        if (v.has("error")) {
            fails(v) { Tms.splitReply(f) }
        } else {
            val r = Tms.splitReply(f)
            assertEquals(continuation(v), r.continuation)
            assertEquals(v.getString("body"), hex(r.body))
        }
    }

    @TestFactory
    fun steps(): List<DynamicTest> = Vectors.cases(file, "steps") { v ->
        val step = TmsStep.valueOf(v.getString("step").uppercase())
        assertEquals(v.getString("nmi"), Tms.nmi(step))
        assertEquals(v.getString("mti"), Tms.mti(step))
        assertEquals(step, Tms.step(v.getString("nmi")))
    }

    @TestFactory
    fun capkQuery(): List<DynamicTest> = Vectors.cases(file, "capk_query") { v ->
        val f = bytes(v.getString("hex"))
        val r = Tms.splitReply(f)
        assertEquals(continuation(v), r.continuation)
        val keys = Tms.parseCapkQuery(r.body)
        assertEquals(canon(v.getJSONArray("keys")), canon(keys.map { keyMap(it) }))
        assertArrayEquals(f, Tms.encodeCapkQuery(r.continuation, keys))
    }

    @TestFactory
    fun capkQueryErrors(): List<DynamicTest> = Vectors.cases(file, "capk_query_errors") { v ->
        val body = Tms.splitReply(bytes(v.getString("hex"))).body
        fails(v) { Tms.parseCapkQuery(body) }
    }

    @TestFactory
    fun capkDownloadRequest(): List<DynamicTest> = Vectors.cases(file, "capk_download_request") { v ->
        val key = keyRef(v.getJSONObject("key"))
        if (v.has("error")) fails(v) { Tms.capkDownloadRequest(key) } else assertEquals(v.getString("hex"), hex(Tms.capkDownloadRequest(key)))
    }

    @TestFactory
    fun aidQuery(): List<DynamicTest> = Vectors.cases(file, "aid_query") { v ->
        val f = bytes(v.getString("hex"))
        val r = Tms.splitReply(f)
        val aids = Tms.parseAidQuery(r.body)
        assertEquals(continuation(v), r.continuation)
        assertEquals(canon(v.getJSONArray("aids")), aids)
        assertArrayEquals(f, Tms.encodeAidQuery(r.continuation, aids))
    }

    @TestFactory
    fun aidQueryErrors(): List<DynamicTest> = Vectors.cases(file, "aid_query_errors") { v ->
        val body = Tms.splitReply(bytes(v.getString("hex"))).body
        fails(v) { Tms.parseAidQuery(body) }
    }

    @TestFactory
    fun aidDownloadRequest(): List<DynamicTest> = Vectors.cases(file, "aid_download_request") { v ->
        val aid = v.getString("aid")
        if (v.has("error")) fails(v) { Tms.aidDownloadRequest(aid) } else assertEquals(v.getString("hex"), hex(Tms.aidDownloadRequest(aid)))
    }

    @TestFactory
    fun aid(): List<DynamicTest> = Vectors.cases(file, "aid") { v ->
        val p = Tms.parseAid(bytes(v.getString("hex")))
        same(v.getJSONObject("params"), aidMap(p), "$v")
        assertEquals(encoded(v), hex(Tms.aidToTlv(p)))
        assertEquals("31" + encoded(v), hex(Tms.encodeAidDownload(p)))
    }

    @TestFactory
    fun aidErrors(): List<DynamicTest> = Vectors.cases(file, "aid_errors") { v -> fails(v) { Tms.parseAid(bytes(v.getString("hex"))) } }

    @TestFactory
    fun params(): List<DynamicTest> = Vectors.cases(file, "params") { v ->
        val p = Tms.parseParams(bytes(v.getString("hex")))
        same(v.getJSONObject("params"), paramsMap(p), "$v")
        assertEquals(encoded(v), hex(Tms.encodeParams(params(v.getJSONObject("params")))))
    }

    @TestFactory
    fun paramsRawItems(): List<DynamicTest> = Vectors.cases(file, "params_raw_items") { v ->
        val items = Tms.rawParamItems(bytes(v.getString("hex")))
        assertEquals(canon(v.getJSONArray("items")), canon(items.map { mapOf("tag" to it.tag, "value" to it.value) }))
    }

    @TestFactory
    fun paramsErrors(): List<DynamicTest> = Vectors.cases(file, "params_errors") { v -> fails(v) { Tms.parseParams(bytes(v.getString("hex"))) } }

    @TestFactory
    fun statusUpload(): List<DynamicTest> = Vectors.cases(file, "status_upload") { v ->
        val p = params(v.getJSONObject("params"))
        val stats = v.optJSONObject("dial_stats")?.let {
            TmsDialStats(it.getInt("hours").toUShort(), it.getLong("dials").toUInt(), it.getInt("success_percent").toUShort())
        }
        if (v.has("error")) {
            fails(v) { Tms.statusUploadRequest(p, stats) }
        } else {
            val f = Tms.statusUploadRequest(p, stats)
            assertEquals(v.getString("hex"), hex(f))
            assertEquals(stats, Tms.parseStatusReport(f).dialStats)
        }
    }

    @Test
    fun aCorruptedKeyIsRefusedWithTheTagAtFault() {
        val good = Tms.parseCapk(bytes(file.getJSONArray("capk").getJSONObject(0).getString("hex")))
        val bad = good.copy(modulus = good.modulus.dropLast(2) + "00")
        val e = assertThrows(PoscoreException.Tms::class.java) { Tms.parseCapk(Tms.capkToTlv(bad)) }
        assertEquals("tms.checksum_mismatch", e.code)
        assertEquals("DF03", e.tag)
    }
}
