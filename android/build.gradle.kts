// Builds poscore as an Android library (AAR): the Rust cdylib for each ABI via cargo-ndk, the
// UniFFI Kotlin bindings generated from the host build, and the org.poscore Kotlin sources.
// Not buildable without the Android SDK/NDK; the JVM build (pom.xml) is what CI runs.
plugins {
    id("com.android.library") version "8.7.3"
    id("org.jetbrains.kotlin.android") version "2.4.21"
}

val repoRoot = rootDir.parentFile
val jniLibsDir = layout.buildDirectory.dir("jniLibs")
val uniffiDir = layout.buildDirectory.dir("generated/uniffi")

android {
    namespace = "org.poscore"
    compileSdk = 34
    defaultConfig {
        minSdk = 24
        consumerProguardFiles("consumer-rules.pro")
    }
    compileOptions {
        sourceCompatibility = JavaVersion.VERSION_17
        targetCompatibility = JavaVersion.VERSION_17
    }
    sourceSets["main"].apply {
        java.srcDir("src/main/kotlin")
        java.srcDir(uniffiDir)
        jniLibs.srcDir(jniLibsDir)
    }
}

kotlin { jvmToolchain(17) }

dependencies {
    implementation("net.java.dev.jna:jna:5.17.0@aar")
    testImplementation("org.junit.jupiter:junit-jupiter:5.14.4")
}

// 1. The native library for every shipped ABI.
val cargoNdk by tasks.registering(Exec::class) {
    workingDir = repoRoot
    commandLine(
        "cargo", "ndk",
        "-t", "arm64-v8a", "-t", "armeabi-v7a", "-t", "x86_64",
        "-o", jniLibsDir.get().asFile.absolutePath,
        "build", "-p", "poscore-ffi", "--release",
    )
}

// 2. Kotlin bindings, generated in library mode from a host build of the same crate.
val uniffiBindings by tasks.registering(Exec::class) {
    workingDir = repoRoot
    commandLine(
        "sh", "-c",
        "cargo build -p poscore-ffi --release && " +
            "cargo run -p poscore-uniffi-bindgen -- generate --library target/release/libposcore_ffi.so " +
            "--language kotlin --no-format --out-dir ${uniffiDir.get().asFile.absolutePath}",
    )
}

tasks.named("preBuild") { dependsOn(cargoNdk, uniffiBindings) }
