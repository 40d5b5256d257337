package org.poscore

import java.util.concurrent.ConcurrentHashMap

/**
 * Response codes and failure diagnosis: what a host code (`51`) or a local failure
 * (`comm.receive_timeout.after_send`) means, its cause, the operator and customer texts in
 * Chinese or English, the remedies, and what the engine must do next.
 */
object Response {
    private val bundled = ConcurrentHashMap<String, ResponseRegistry>()

    /** A bundled profile (`iso`, `unionpay`), loaded once. */
    @Throws(PoscoreException::class)
    fun registry(profile: String = "unionpay"): ResponseRegistry =
        bundled.getOrPut(profile) { ResponseRegistry.bundled(profile) }

    /** An acquirer profile (JSON naming its `base`) over the bundled tables. */
    @Throws(PoscoreException::class)
    fun fromProfile(json: String): ResponseRegistry = ResponseRegistry.fromProfileJson(json)

    /** What [code] means, in [lang] (`zh`, `zh-CN`, `en`). */
    @Throws(PoscoreException::class)
    fun explain(code: String, lang: String = "zh", profile: String = "unionpay"): Explanation =
        registry(profile).explain(code, lang)

    /** What happened on a [request] (`financial`, `reversal`, ...) and what to do next. */
    @Throws(PoscoreException::class)
    fun diagnose(
        event: String,
        request: String = "financial",
        lang: String = "zh",
        profile: String = "unionpay",
    ): DiagnosisReport = registry(profile).diagnose(request, event, lang)

    /** Canonical language tag (`zh-CN` -> `zh`). */
    @Throws(PoscoreException::class)
    fun parseLang(tag: String): String = responseParseLang(tag)

    /** Canonical event key; throws for malformed keys. */
    @Throws(PoscoreException::class)
    fun parseEvent(key: String): String = responseParseEvent(key)
}
