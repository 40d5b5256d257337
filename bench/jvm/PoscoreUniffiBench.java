// poscore through UniFFI on the JVM for scripts/bench-iso8583: org.poscore.Iso8583 (the Kotlin
// API, over JNA and libposcore_ffi.so) packs and unpacks the same 0200 chip sale and 0210
// approval as core/benches/iso8583.rs on iso87ascii, in the same warm loop as JposBench.
// Kotlin's `object Iso8583` is called from Java as Iso8583.INSTANCE, which needs no Kotlin compiler.
// Usage: javac -cp CLASSES:kotlin-stdlib.jar:jna.jar -d out PoscoreUniffiBench.java &&
//        java -Djna.library.path=DIR_OF_libposcore_ffi.so -cp ...:out PoscoreUniffiBench [seconds]
import org.poscore.Iso8583;
import org.poscore.Iso8583Message;

public class PoscoreUniffiBench {
    static final String ICC = "9F2608A1B2C3D4E5F607189F2701809F101307010103A0A802010A010000000000B0C1D2E39F3704DEADBEEF"
        + "9F360200FF950500000000009A032611239C01009F02060000000010005F2A02015682027C009F1A0201569F03060000000000009F3303E0E1C8";
    static final String SALE = "{\"mti\":\"0200\",\"fields\":{\"2\":\"6212345678901232\",\"3\":\"000000\","
        + "\"4\":\"000000001000\",\"11\":\"000321\",\"14\":\"3012\",\"22\":\"051\",\"23\":\"001\",\"25\":\"00\","
        + "\"26\":\"12\",\"35\":\"6212345678901232=3012201123456789\",\"41\":\"10000001\",\"42\":\"898310048990001\","
        + "\"49\":\"156\",\"52\":\"1122334455667788\",\"53\":\"2600000000000000\",\"55\":\"" + ICC + "\","
        + "\"60\":\"22000001000500\",\"64\":\"A1B2C3D4E5F60718\"}}";
    static final String RESP = "{\"mti\":\"0210\",\"fields\":{\"2\":\"6212345678901232\",\"3\":\"000000\","
        + "\"4\":\"000000001000\",\"11\":\"000321\",\"12\":\"153045\",\"13\":\"1123\",\"14\":\"3012\",\"15\":\"1124\","
        + "\"25\":\"00\",\"32\":\"48020000\",\"37\":\"153045123456\",\"38\":\"654321\",\"39\":\"00\","
        + "\"41\":\"10000001\",\"42\":\"898310048990001\",\"44\":\"0303000003030000000000\",\"49\":\"156\","
        + "\"55\":\"910A1122334455667788990072\",\"60\":\"22000001\",\"64\":\"0102030405060708\"}}";
    static final String SPEC = "iso87ascii";
    static volatile Object sink;

    static Object once(Iso8583Message m) throws Exception {
        return Iso8583.INSTANCE.unpack(SPEC, Iso8583.INSTANCE.pack(SPEC, m));
    }

    static double run(Iso8583Message m, double seconds) throws Exception {
        long warmEnd = System.nanoTime() + (long) (Math.max(2.0, seconds / 3) * 1e9);
        long n = 0;
        while (System.nanoTime() < warmEnd) {
            sink = once(m);
            n++;
        }
        long batch = Math.max(1000, (long) (n * (seconds * 2 / 3) / Math.max(2.0, seconds / 3) / 10));
        double[] us = new double[10];
        for (int b = 0; b < us.length; b++) {
            long t0 = System.nanoTime();
            for (long i = 0; i < batch; i++) sink = once(m);
            us[b] = (System.nanoTime() - t0) / 1e3 / batch;
        }
        java.util.Arrays.sort(us);
        return (us[4] + us[5]) / 2; // median
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1.5;
        for (String[] c : new String[][] {{"0200 sale", SALE}, {"0210 approval", RESP}}) {
            Iso8583Message m = Iso8583.INSTANCE.fromJson(SPEC, c[1]);
            byte[] packed = Iso8583.INSTANCE.pack(SPEC, m);
            String back = Iso8583.INSTANCE.toJson(SPEC, Iso8583.INSTANCE.unpack(SPEC, packed));
            if (!back.equals(Iso8583.INSTANCE.toJson(SPEC, m))) throw new IllegalStateException("round trip differs");
            StringBuilder hex = new StringBuilder();
            for (byte x : packed) hex.append(String.format("%02X", x));
            double us = run(m, seconds);
            System.out.printf("bench\tposcore UniFFI (Kotlin API, JVM)\t%s\t%d\t%.3f\t%s%n", c[0], packed.length, us, hex);
        }
    }
}
