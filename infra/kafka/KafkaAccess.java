import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.ResourceNotFoundException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * Applies principals (SCRAM-SHA-512 credentials) and ACLs to a Kafka cluster in one JVM, through
 * Kafka's own Admin client. kafka.sh runs it as a single-file program (`java KafkaAccess.java`):
 * kafka-acls and kafka-configs would take one JVM start per resource pattern, which is about a
 * minute for the hub's list on a 2-core machine; this is one start.
 *
 * Usage: java -cp 'lib/*' KafkaAccess.java BOOTSTRAP ADMIN_PROPERTIES < commands
 *
 * Commands, one per line (blank lines and lines starting with # are skipped):
 *   scram USER PASSWORD                        create or replace USER's SCRAM-SHA-512 credential
 *   unscram USER                               delete it (absent: fine)
 *   allow PRINCIPAL OPS TYPE PATTERN NAME      OPS comma separated (READ,WRITE,...), TYPE TOPIC|GROUP|
 *                                              CLUSTER|TRANSACTIONAL_ID, PATTERN LITERAL|PREFIXED
 *   disallow PRINCIPAL OPS TYPE PATTERN NAME   delete exactly those ACLs (absent: fine)
 *   list                                       print every ACL, one line each, in the allow format
 *
 * Existing ACLs are left alone (adding one twice is a no-op), so running the same list again is safe.
 */
public class KafkaAccess {
  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: KafkaAccess BOOTSTRAP ADMIN_PROPERTIES < commands");
      System.exit(2);
    }
    Properties props = new Properties();
    try (FileInputStream in = new FileInputStream(args[1])) {
      props.load(in);
    }
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000");

    List<UserScramCredentialAlteration> credentials = new ArrayList<>();
    List<AclBinding> acls = new ArrayList<>();
    List<AclBindingFilter> removals = new ArrayList<>();
    boolean list = false;
    BufferedReader reader = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = reader.readLine()) != null; ) {
      line = line.strip();
      if (line.isEmpty() || line.startsWith("#")) continue;
      String[] f = line.split("\\s+");
      switch (f[0]) {
        case "scram" -> {
          expect(f, 3, line);
          credentials.add(new UserScramCredentialUpsertion(
              f[1], new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 4096), f[2]));
        }
        case "unscram" -> {
          expect(f, 2, line);
          credentials.add(new UserScramCredentialDeletion(f[1], ScramMechanism.SCRAM_SHA_512));
        }
        case "allow", "disallow" -> {
          expect(f, 6, line);
          ResourceType type = ResourceType.valueOf(f[3].toUpperCase(Locale.ROOT));
          PatternType pattern = PatternType.valueOf(f[4].toUpperCase(Locale.ROOT));
          for (String op : f[2].split(",")) {
            AclBinding binding = new AclBinding(
                new ResourcePattern(type, f[5], pattern),
                new AccessControlEntry(f[1], "*", AclOperation.valueOf(op.toUpperCase(Locale.ROOT)),
                    AclPermissionType.ALLOW));
            if (f[0].equals("allow")) acls.add(binding);
            else removals.add(binding.toFilter());
          }
        }
        case "list" -> list = true;
        default -> throw new IllegalArgumentException("unknown command: " + line);
      }
    }

    try (Admin admin = Admin.create(props)) {
      if (!removals.isEmpty()) {
        int n = 0;
        for (var r : admin.deleteAcls(removals).values().values()) n += r.get().values().size();
        System.out.println("kafka: " + n + " ACLs removed");
      }
      if (!credentials.isEmpty()) {
        for (var entry : admin.alterUserScramCredentials(credentials).values().entrySet()) {
          try {
            entry.getValue().get();
          } catch (java.util.concurrent.ExecutionException e) {
            // Deleting a credential that is not there is what "make sure it is gone" wants.
            if (!(e.getCause() instanceof ResourceNotFoundException)) throw e;
          }
        }
        System.out.println("kafka: " + credentials.size() + " SCRAM credentials set");
      }
      if (!acls.isEmpty()) {
        admin.createAcls(acls).all().get();
        System.out.println("kafka: " + acls.size() + " ACLs in place");
      }
      if (list) {
        Collection<AclBinding> all = admin.describeAcls(AclBindingFilter.ANY).values().get();
        all.stream()
            .map(b -> String.join(" ", "allow", b.entry().principal(), b.entry().operation().name(),
                b.pattern().resourceType().name(), b.pattern().patternType().name(), b.pattern().name())
                + (b.entry().permissionType() == AclPermissionType.ALLOW ? "" : " (" + b.entry().permissionType() + ")"))
            .sorted()
            .forEach(System.out::println);
      }
    }
  }

  private static void expect(String[] fields, int n, String line) {
    if (fields.length != n) throw new IllegalArgumentException("expected " + n + " fields: " + line);
  }
}
