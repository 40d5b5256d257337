// Peer timing for scripts/bench-iso8583: jPOS pack+unpack of the same 0200 chip sale and 0210
// approval as core/benches/iso8583.rs, in a warm loop (no JMH: one JVM, a warm-up, then the median
// of 10 timed batches, like criterion's median estimate). Two layouts:
//   ISO87APackager (all ASCII: matches poscore's iso87ascii byte for byte, field 55 as LLLCHAR hex)
//   ISO87BPackager (BCD/binary: matches poscore's iso87binary, field 55 as IFB_LLLBINARY 255)
// Prints one line per message: "bench<TAB>implementation<TAB>message<TAB>bytes<TAB>us<TAB>hex".
// Usage: javac -cp jpos.jar -d out JposBench.java && java -cp jpos.jar:out JposBench [seconds]
import org.jpos.iso.IFB_LLLBINARY;
import org.jpos.iso.ISOBasePackager;
import org.jpos.iso.ISOMsg;
import org.jpos.iso.ISOUtil;
import org.jpos.iso.packager.ISO87APackager;
import org.jpos.iso.packager.ISO87BPackager;

public class JposBench {
    static final String ICC = "9F2608A1B2C3D4E5F607189F2701809F101307010103A0A802010A010000000000B0C1D2E39F3704DEADBEEF"
        + "9F360200FF950500000000009A032611239C01009F02060000000010005F2A02015682027C009F1A0201569F03060000000000009F3303E0E1C8";
    static final String[][] SALE = {
        {"0", "0200"}, {"2", "6212345678901232"}, {"3", "000000"}, {"4", "000000001000"}, {"11", "000321"},
        {"14", "3012"}, {"22", "051"}, {"23", "001"}, {"25", "00"}, {"26", "12"},
        {"35", "6212345678901232=3012201123456789"}, {"41", "10000001"}, {"42", "898310048990001"}, {"49", "156"},
        {"52", "h:1122334455667788"}, {"53", "2600000000000000"}, {"55", "h:" + ICC}, {"60", "22000001000500"},
        {"64", "h:A1B2C3D4E5F60718"},
    };
    static final String[][] RESP = {
        {"0", "0210"}, {"2", "6212345678901232"}, {"3", "000000"}, {"4", "000000001000"}, {"11", "000321"},
        {"12", "153045"}, {"13", "1123"}, {"14", "3012"}, {"15", "1124"}, {"25", "00"}, {"32", "48020000"},
        {"37", "153045123456"}, {"38", "654321"}, {"39", "00"}, {"41", "10000001"}, {"42", "898310048990001"},
        {"44", "0303000003030000000000"}, {"49", "156"}, {"55", "h:910A1122334455667788990072"}, {"60", "22000001"},
        {"64", "h:0102030405060708"},
    };

    static volatile Object sink;

    /** Builds the message; binary fields are bytes, except 55 on the ASCII packager (hex LLLCHAR). */
    static ISOMsg build(ISOBasePackager p, String[][] fields, boolean ascii) throws Exception {
        ISOMsg m = new ISOMsg();
        m.setPackager(p);
        for (String[] f : fields) {
            int n = Integer.parseInt(f[0]);
            String v = f[1];
            if (v.startsWith("h:")) {
                if (ascii && n == 55) m.set(n, v.substring(2));
                else m.set(n, ISOUtil.hex2byte(v.substring(2)));
            } else {
                m.set(n, v);
            }
        }
        return m;
    }

    static double run(ISOBasePackager p, ISOMsg m, double seconds) throws Exception {
        // Warm-up (JIT): a third of the budget but at least 2 s (C2 needs it on a busy 2-core machine),
        // then the median of 10 timed batches sized to two thirds of the budget.
        long warmEnd = System.nanoTime() + (long) (Math.max(2.0, seconds / 3) * 1e9);
        long n = 0;
        while (System.nanoTime() < warmEnd) {
            once(p, m);
            n++;
        }
        long batch = Math.max(1000, (long) (n * (seconds * 2 / 3) / Math.max(2.0, seconds / 3) / 10)); // (2/3 budget)/10 each
        double[] us = new double[10];
        for (int b = 0; b < us.length; b++) {
            long t0 = System.nanoTime();
            for (long i = 0; i < batch; i++) once(p, m);
            us[b] = (System.nanoTime() - t0) / 1e3 / batch;
        }
        java.util.Arrays.sort(us);
        return (us[4] + us[5]) / 2; // median
    }

    static void once(ISOBasePackager p, ISOMsg m) throws Exception {
        byte[] b = m.pack();
        ISOMsg u = new ISOMsg();
        u.setPackager(p);
        u.unpack(b);
        sink = u;
    }

    public static void main(String[] args) throws Exception {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1.5;
        ISO87APackager a = new ISO87APackager();
        ISO87BPackager bin = new ISO87BPackager();
        bin.setFieldPackager(55, new IFB_LLLBINARY(255, "ICC DATA"));
        Object[][] cases = {
            {"jPOS ISO87APackager", a, true}, {"jPOS ISO87BPackager", bin, false},
        };
        for (Object[] c : cases) {
            ISOBasePackager p = (ISOBasePackager) c[1];
            boolean ascii = (Boolean) c[2];
            for (Object[] msg : new Object[][] {{"0200 sale", SALE}, {"0210 approval", RESP}}) {
                ISOMsg m = build(p, (String[][]) msg[1], ascii);
                byte[] packed = m.pack();
                double us = run(p, m, seconds);
                System.out.printf("bench\t%s\t%s\t%d\t%.3f\t%s%n", c[0], msg[0], packed.length, us, ISOUtil.hexString(packed));
            }
        }
    }
}
