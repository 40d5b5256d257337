// Cross-check for the iso87binary spec: packs messages with jPOS ISO87BPackager (field 55 as
// IFB_LLLBINARY 255) and prints uppercase hex, one line per input line.
// Input lines: MTI|n=value|n=h:HEX|...   (h: marks binary fields)
// Usage: javac -cp jpos.jar Iso87b.java && java -cp jpos.jar:. Iso87b < messages.txt
import java.io.BufferedReader;
import java.io.InputStreamReader;
import org.jpos.iso.IFB_LLLBINARY;
import org.jpos.iso.ISOMsg;
import org.jpos.iso.ISOUtil;
import org.jpos.iso.packager.ISO87BPackager;

public class Iso87b {
    public static void main(String[] args) throws Exception {
        ISO87BPackager p = new ISO87BPackager();
        p.setFieldPackager(55, new IFB_LLLBINARY(255, "ICC DATA"));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) continue;
            try {
                System.out.println(pack(p, line));
            } catch (Exception e) {
                System.out.println("ERROR:" + e.getClass().getSimpleName());
            }
        }
    }

    static String pack(ISO87BPackager p, String line) throws Exception {
            String[] parts = line.split("\\|", -1);
            ISOMsg m = new ISOMsg();
            m.setPackager(p);
            m.setMTI(parts[0]);
            for (int i = 1; i < parts.length; i++) {
                int eq = parts[i].indexOf('=');
                int n = Integer.parseInt(parts[i].substring(0, eq));
                String v = parts[i].substring(eq + 1);
                if (v.startsWith("h:")) m.set(n, ISOUtil.hex2byte(v.substring(2)));
                else m.set(n, v);
            }
            return ISOUtil.hexString(m.pack());
    }
}
