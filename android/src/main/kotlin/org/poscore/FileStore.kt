package org.poscore

import java.io.File

/**
 * The engine's journal in a directory of the app's data (`context.filesDir`).
 *
 * This is the core's file store (`poscore::store::file::FileStore`), not a Kotlin copy of it:
 * one file per record, written to a temp file, forced, renamed over the old one and the
 * directory forced; batches go through a redo journal; every record is checksummed (SHA-256)
 * and bound to its key, so a torn, damaged or swapped record is reported (`store.corrupt`),
 * never used. With [sealingKey] (32 bytes, e.g. unwrapped with an Android Keystore key) every
 * record is sealed with AES-256-GCM, and the store only opens again with the same key
 * (`store.sealed_key_mismatch`): journal records hold the PAN and field 55, so production
 * terminals should seal. One handle per directory at a time.
 */
class FileStore private constructor(val directory: File, private val inner: HostStore) : HostStore by inner, AutoCloseable {
    /** Opens (creating if needed) the store in [directory], completing any interrupted batch. */
    @Throws(PoscoreException::class)
    constructor(directory: File, sealingKey: ByteArray? = null) : this(directory, openFileStore(directory.path, sealingKey))

    /** The file holding [key]'s record (for tools and tests). */
    fun recordFile(key: String): File = File(directory, fileStoreRecordName(key))

    /** Releases the native store (pending writes are already durable). */
    override fun close() {
        (inner as? AutoCloseable)?.close()
    }
}
