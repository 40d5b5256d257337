package org.poscore

import java.io.File

/**
 * The engine's journal in a directory of the app's data (`context.filesDir`).
 *
 * This is the core's file store (`poscore::store::file::FileStore`), not a Kotlin copy of it:
 * one file per record, written to a temp file, forced, renamed over the old one and the
 * directory forced; batches go through a redo journal; every record is checksummed (SHA-256)
 * and bound to its key, so a torn, damaged or swapped record is reported (`store.corrupt`),
 * never used.
 *
 * Sealed by default: the constructor takes a `sealingKey` (32 bytes, e.g. unwrapped with an
 * Android Keystore key) and every record is sealed with AES-256-GCM; the store only opens again
 * with the same key (`store.sealed_key_mismatch`). Journal records hold the PAN, field 55 and
 * the reversal templates, so an unsealed journal exists only through the explicit
 * [openUnsealedInsecure], for tests and tools. One handle per directory at a time: a second one
 * (another process, or this one before [close]) gets `store.in_use`, so two engines never share
 * a journal.
 */
class FileStore private constructor(val directory: File, private val inner: HostStore) : HostStore by inner, AutoCloseable {
    /**
     * Opens (creating if needed) the store in [directory] sealed with [sealingKey] (32 bytes),
     * completing any interrupted batch.
     */
    @Throws(PoscoreException::class)
    constructor(directory: File, sealingKey: ByteArray) : this(directory, openFileStore(directory.path, sealingKey))

    companion object {
        /**
         * Opens (creating if needed) an **unsealed** store in [directory]: insecure for a
         * terminal's journal, whose PANs, field 55 and reversal templates would rest in clear
         * on the device. For tests and tools only; a terminal uses `FileStore(directory, sealingKey)`.
         */
        @JvmStatic
        @Throws(PoscoreException::class)
        fun openUnsealedInsecure(directory: File): FileStore =
            FileStore(directory, openFileStoreUnsealedInsecure(directory.path))
    }

    /** The file holding [key]'s record (for tools and tests). */
    fun recordFile(key: String): File = File(directory, fileStoreRecordName(key))

    /** Releases the native store (pending writes are already durable). */
    override fun close() {
        (inner as? AutoCloseable)?.close()
    }
}
