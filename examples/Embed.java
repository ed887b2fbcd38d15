// A whole program that embeds specdec: load a target and its draft, generate greedily with
// speculative decoding, print the text and the statistics. Run it with the CLI's fat jar:
//   java --add-modules jdk.incubator.vector -cp cli/out/specdec.jar examples/Embed.java TARGET DRAFT "prompt"
import dev.specdec.engine.Engine;
import dev.specdec.engine.Request;
import dev.specdec.engine.Result;
import dev.specdec.engine.Session;
import java.nio.file.Path;

public class Embed {
    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: Embed TARGET DRAFT PROMPT");
            System.exit(2);
        }
        try (Engine engine = Engine.builder(Path.of(args[0])).draft(Path.of(args[1])).build();
             Session session = engine.newSession()) {
            Result r = session.generate(Request.text(args[2]).maxTokens(64).greedy().build());
            System.out.println(r.text());
            System.out.println(r.stats());
        }
    }
}
