package org.poscore

import java.io.ByteArrayOutputStream
import java.io.DataInputStream
import java.io.DataOutputStream
import java.io.File
import java.io.IOException
import java.nio.ByteBuffer
import java.nio.channels.FileChannel
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardCopyOption
import java.nio.file.StandardOpenOption
import java.security.MessageDigest

/**
 * The engine's journal on a directory of the app's data (`context.filesDir`): one file per key,
 * named by the key's UPPERCASE hex, holding the value followed by its SHA-256, so a torn or
 * damaged record is reported (`store.corrupt`), never used.
 *
 * Durability: a record is written to a temp file, forced to disk, moved over the old one
 * atomically and the directory forced (the rename itself is then durable). A batch of several
 * writes first goes, complete and checksummed, to `batch.jnl` (forced); then each record is
 * written as above and the journal deleted. Opening the store replays a complete journal and
 * drops a torn one (the batch had not committed), so after a crash either all of a batch is
 * visible or none of it. Not for concurrent use by two processes.
 */
class FileStore(directory: File) : HostStore {
    private val dir: Path = directory.toPath()
    private val journal: Path = dir.resolve(JOURNAL)
    private val lock = Any()

    init {
        Files.createDirectories(dir)
        synchronized(lock) { recover() }
    }

    @Throws(PoscoreException::class)
    override fun get(key: String): ByteArray? = synchronized(lock) {
        validateKey(key)
        val f = dir.resolve(name(key))
        val raw = try {
            if (!Files.exists(f)) return null
            Files.readAllBytes(f)
        } catch (e: IOException) {
            throw io("read", f, e)
        }
        if (raw.size < DIGEST || !MessageDigest.isEqual(digest(key, raw, raw.size - DIGEST), raw.copyOfRange(raw.size - DIGEST, raw.size))) {
            throw PoscoreException.Store("store.corrupt", "store record \"$key\" is corrupt: checksum mismatch")
        }
        raw.copyOf(raw.size - DIGEST)
    }

    @Throws(PoscoreException::class)
    override fun list(prefix: String): List<String> = synchronized(lock) {
        if (prefix.isNotEmpty()) validateKey(prefix.removeSuffix("/"), prefix)
        val names = try {
            Files.list(dir).use { s -> s.map { it.fileName.toString() }.toList() }
        } catch (e: IOException) {
            throw io("list", dir, e)
        }
        names.filter { it.startsWith(RECORD) }
            .mapNotNull { n -> runCatching { String(unhex(n.removePrefix(RECORD)), Charsets.UTF_8) }.getOrNull() }
            .filter { it.startsWith(prefix) }
            .sortedWith { a, b -> compareBytes(a.toByteArray(Charsets.UTF_8), b.toByteArray(Charsets.UTF_8)) }
    }

    @Throws(PoscoreException::class)
    override fun apply(ops: List<StoreOp>) = synchronized(lock) {
        for (op in ops) check(op)
        when (ops.size) {
            0 -> Unit
            1 -> write(ops[0])
            else -> {
                val body = encode(ops)
                atomicWrite(journal, body + sha256(body, body.size))
                for (op in ops) write(op)
                delete(journal)
            }
        }
    }

    private fun check(op: StoreOp) {
        val key = when (op) {
            is StoreOp.Put -> op.key
            is StoreOp.Delete -> op.key
        }
        validateKey(key)
        if (op is StoreOp.Put && op.value.size > MAX_VALUE) {
            throw PoscoreException.Store("store.value_too_large", "value for \"$key\" is ${op.value.size} bytes, at most $MAX_VALUE allowed")
        }
    }

    private fun write(op: StoreOp) = when (op) {
        is StoreOp.Put -> atomicWrite(dir.resolve(name(op.key)), op.value + digest(op.key, op.value, op.value.size))
        is StoreOp.Delete -> delete(dir.resolve(name(op.key)))
    }

    /** A complete journal is replayed (the batch committed); a torn one is dropped (it did not). */
    private fun recover() {
        Files.list(dir).use { s -> s.filter { it.fileName.toString().endsWith(TMP) }.toList() }.forEach { Files.deleteIfExists(it) }
        if (!Files.exists(journal)) return
        val raw = Files.readAllBytes(journal)
        val ok = raw.size >= DIGEST &&
            MessageDigest.isEqual(sha256(raw, raw.size - DIGEST), raw.copyOfRange(raw.size - DIGEST, raw.size))
        if (ok) decode(raw.copyOf(raw.size - DIGEST)).forEach { write(it) }
        delete(journal)
    }

    private fun atomicWrite(target: Path, bytes: ByteArray) {
        val tmp = target.resolveSibling(target.fileName.toString() + TMP)
        try {
            FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE).use { ch ->
                val buf = ByteBuffer.wrap(bytes)
                while (buf.hasRemaining()) ch.write(buf)
                ch.force(true)
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING)
            syncDir()
        } catch (e: IOException) {
            throw io("write", target, e)
        }
    }

    private fun delete(target: Path) {
        try {
            if (Files.deleteIfExists(target)) syncDir()
        } catch (e: IOException) {
            throw io("delete", target, e)
        }
    }

    /** Makes renames and deletions durable (Linux/Android allow forcing a directory channel). */
    private fun syncDir() {
        try {
            FileChannel.open(dir, StandardOpenOption.READ).use { it.force(true) }
        } catch (_: IOException) {
            // Some platforms cannot open a directory; the rename is still atomic there.
        }
    }

    private fun io(op: String, path: Path, e: IOException) =
        PoscoreException.Store("store.io", "store I/O error during $op on $path: ${e.message}")

    /** The file holding [key]'s record (tests damage it). */
    internal fun recordFile(key: String): File = dir.resolve(name(key)).toFile()

    private companion object {
        const val RECORD = "r-"
        const val TMP = ".tmp"
        const val JOURNAL = "batch.jnl"
        const val DIGEST = 32
        const val MAX_KEY = 120
        const val MAX_VALUE = 1 shl 20

        fun name(key: String) = RECORD + hex(key.toByteArray(Charsets.UTF_8))

        fun hex(b: ByteArray) = b.joinToString("") { "%02X".format(it.toInt() and 0xFF) }

        fun unhex(s: String): ByteArray {
            require(s.length % 2 == 0)
            return ByteArray(s.length / 2) { i -> s.substring(2 * i, 2 * i + 2).toInt(16).toByte() }
        }

        /** The core's key rules: 1..120 bytes of `A-Z a-z 0-9 - _ . /`, no empty, `.` or `..` segment. */
        fun validateKey(key: String, shown: String = key) {
            val reason = when {
                key.isEmpty() -> "empty"
                key.length > MAX_KEY -> "longer than $MAX_KEY bytes"
                !key.all { it in 'A'..'Z' || it in 'a'..'z' || it in '0'..'9' || it in "-_./" } -> "only A-Z a-z 0-9 - _ . / are allowed"
                key.split('/').any { it.isEmpty() } -> "empty segment (leading, trailing or doubled '/')"
                key.split('/').any { it == "." || it == ".." } -> "'.' and '..' segments are not allowed"
                else -> return
            }
            throw PoscoreException.Store("store.invalid_key", "invalid store key \"$shown\": $reason")
        }

        /** SHA-256 over the key and the value: a record copied under another key fails too. */
        fun digest(key: String, b: ByteArray, len: Int): ByteArray =
            MessageDigest.getInstance("SHA-256").apply {
                update(key.toByteArray(Charsets.UTF_8))
                update(0.toByte())
                update(b, 0, len)
            }.digest()

        fun sha256(b: ByteArray, len: Int): ByteArray =
            MessageDigest.getInstance("SHA-256").apply { update(b, 0, len) }.digest()

        fun compareBytes(a: ByteArray, b: ByteArray): Int {
            for (i in 0 until minOf(a.size, b.size)) {
                val c = (a[i].toInt() and 0xFF) - (b[i].toInt() and 0xFF)
                if (c != 0) return c
            }
            return a.size - b.size
        }

        fun encode(ops: List<StoreOp>): ByteArray {
            val out = ByteArrayOutputStream()
            DataOutputStream(out).use { d ->
                d.writeInt(ops.size)
                for (op in ops) {
                    when (op) {
                        is StoreOp.Put -> { d.writeByte(1); d.writeUTF(op.key); d.writeInt(op.value.size); d.write(op.value) }
                        is StoreOp.Delete -> { d.writeByte(0); d.writeUTF(op.key) }
                    }
                }
            }
            return out.toByteArray()
        }

        fun decode(b: ByteArray): List<StoreOp> {
            val d = DataInputStream(b.inputStream())
            return List(d.readInt()) {
                if (d.readByte().toInt() == 1) {
                    val key = d.readUTF()
                    StoreOp.Put(key, ByteArray(d.readInt()).also { d.readFully(it) })
                } else {
                    StoreOp.Delete(d.readUTF())
                }
            }
        }
    }
}
