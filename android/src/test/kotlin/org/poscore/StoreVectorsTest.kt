package org.poscore

import org.json.JSONObject
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assertions.fail
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory
import java.nio.file.Files

/** Replays tests/vectors/store.json (the store conformance cases) against [FileStore], plain and sealed. */
class StoreVectorsTest {
    private val file = Vectors.load("store")
    private val key = ByteArray(32) { it.toByte() }
    private val wrongKey = ByteArray(32) { 0xFF.toByte() }

    private fun value(v: JSONObject): ByteArray {
        val one = hexDecode(v.getString("hex"))
        val n = v.optInt("repeat", 1)
        return ByteArray(one.size * n) { one[it % one.size] }
    }

    private fun op(o: JSONObject): StoreOp = when (o.getString("op")) {
        "put" -> StoreOp.Put(o.getString("key"), value(o.getJSONObject("value")))
        "delete" -> StoreOp.Delete(o.getString("key"))
        else -> error("unknown batch op $o")
    }

    private fun run(dir: java.io.File, case: JSONObject, sealed: Boolean) {
        val open = { if (sealed) FileStore(dir, key.copyOf()) else FileStore.openUnsealedInsecure(dir) }
        var store = open()
        val steps = case.getJSONArray("steps")
        for (i in 0 until steps.length()) {
            val s = steps.getJSONObject(i)
            val where = "${case.getString("name")} step $i ${s.getString("op")}"
            val error = s.optString("error", "")
            try {
                when (s.getString("op")) {
                    "put" -> store.apply(listOf(op(s)))
                    "delete" -> store.apply(listOf(op(s)))
                    "batch" -> store.apply(s.getJSONArray("ops").map { op(it as JSONObject) })
                    "get" -> {
                        val got = store.get(s.getString("key"))
                        if (s.isNull("expect")) {
                            assertEquals(null, got, where)
                        } else {
                            assertArrayEquals(value(s.getJSONObject("expect")), got, where)
                        }
                    }
                    "list" -> assertEquals(
                        s.getJSONArray("expect").map { it as String },
                        store.list(s.getString("prefix")),
                        where,
                    )
                    "reopen" -> {
                        store.close()
                        store = open()
                    }
                    "reopen_with_wrong_key" -> {
                        store.close()
                        try {
                            FileStore(dir, wrongKey.copyOf()).close()
                            fail<Unit>("$where: opened with the wrong key")
                        } catch (e: PoscoreException.Store) {
                            assertEquals(error, e.code, where)
                        }
                        store = open()
                        continue
                    }
                    "damage" -> {
                        val f = store.recordFile(s.getString("key")).toPath()
                        val bytes = Files.readAllBytes(f)
                        val damaged = when (s.getString("how")) {
                            "flip_byte" -> bytes.copyOf().also { it[it.size / 2] = (it[it.size / 2].toInt() xor 0x01).toByte() }
                            "truncate" -> bytes.copyOf(bytes.size / 2)
                            "empty" -> ByteArray(0)
                            "copy_from" -> Files.readAllBytes(store.recordFile(s.getString("from")).toPath())
                            else -> error("unknown damage $s")
                        }
                        Files.write(f, damaged)
                    }
                    else -> fail<Unit>("unknown op in $where")
                }
                if (error.isNotEmpty()) fail<Unit>("$where: expected $error")
            } catch (e: PoscoreException.Store) {
                if (error.isEmpty()) throw e
                assertEquals(error, e.code, where)
            }
        }
        store.close()
    }

    private fun cases(sealed: Boolean): List<DynamicTest> {
        val hooks = if (sealed) setOf("reopen", "damage", "sealed") else setOf("reopen", "damage")
        val all = Vectors.cases(file, "cases") { v ->
            val requires = v.optJSONArray("requires")?.map { it as String }.orEmpty()
            assumeTrue(requires.all { it in hooks }, "needs $requires")
            run(Files.createTempDirectory("poscore-store").toFile(), v, sealed)
        }
        return all.map { t -> DynamicTest.dynamicTest((if (sealed) "sealed " else "") + t.displayName, t.executable) }
    }

    @TestFactory
    fun plain(): List<DynamicTest> = cases(sealed = false)

    @TestFactory
    fun sealed(): List<DynamicTest> {
        assertTrue(file.getJSONArray("cases").length() >= 17, "store.json has every case")
        return cases(sealed = true)
    }
}
