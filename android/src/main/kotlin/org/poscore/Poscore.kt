package org.poscore

/**
 * Library-level information.
 *
 * The UniFFI-generated bindings share this package (`org.poscore`): records are data classes
 * ([Inspection], [Track2Summary], ...), enums are Kotlin enums ([Brand], ...), and every core error
 * is a subclass of the sealed [PoscoreException] (`PoscoreException.Card`, ...) carrying the
 * stable `code`. The objects in this package ([Card], ...) are the idiomatic entry points.
 */
object Poscore {
    /** Version of the Rust core inside the native library. */
    val version: String get() = coreVersion()
}
