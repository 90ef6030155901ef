import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Proves a broker is usable, not merely listening: creates a throwaway topic and deletes it,
 * retrying until the deadline. A bare port check passes while the controller is still electing
 * itself, and the first client would then fail. Run as a single-file source program:
 * `java -cp 'lib/*' BrokerProbe.java 127.0.0.1:9092 60`. Exit 0 when usable, 1 otherwise.
 */
public class BrokerProbe {
  public static void main(String[] args) throws Exception {
    String bootstrap = args.length > 0 ? args[0] : "127.0.0.1:9092";
    long deadline = System.currentTimeMillis() + 1000L * (args.length > 1 ? Integer.parseInt(args[1]) : 60);
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000);
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000);
    String lastError = "no attempt";
    try (Admin admin = Admin.create(props)) {
      while (System.currentTimeMillis() < deadline) {
        String topic = "__huiying-probe-" + UUID.randomUUID();
        try {
          admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
          admin.deleteTopics(List.of(topic)).all().get();
          System.out.println("broker at " + bootstrap + " created and deleted a topic");
          return;
        } catch (ExecutionException e) {
          lastError = String.valueOf(e.getCause());
        }
        Thread.sleep(500);
      }
    }
    System.err.println("broker at " + bootstrap + " did not create a topic in time: " + lastError);
    System.exit(1);
  }
}
