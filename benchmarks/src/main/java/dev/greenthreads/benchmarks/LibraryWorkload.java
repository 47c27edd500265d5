package dev.greenthreads.benchmarks;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.base.CaseFormat;
import com.google.common.base.Joiner;
import com.google.common.base.Splitter;
import com.google.common.base.Stopwatch;
import com.google.common.cache.CacheBuilder;
import com.google.common.cache.CacheLoader;
import com.google.common.cache.LoadingCache;
import com.google.common.collect.ArrayListMultimap;
import com.google.common.collect.HashBasedTable;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import com.google.common.collect.ImmutableSortedMap;
import com.google.common.collect.Iterables;
import com.google.common.collect.Lists;
import com.google.common.collect.Maps;
import com.google.common.collect.Multimap;
import com.google.common.collect.Multiset;
import com.google.common.collect.Ordering;
import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import com.google.common.collect.Sets;
import com.google.common.collect.Table;
import com.google.common.collect.TreeMultiset;
import com.google.common.collect.TreeRangeSet;
import com.google.common.graph.GraphBuilder;
import com.google.common.graph.MutableGraph;
import com.google.common.hash.BloomFilter;
import com.google.common.hash.Funnels;
import com.google.common.hash.Hashing;
import com.google.common.io.BaseEncoding;
import com.google.common.math.IntMath;
import com.google.common.net.InternetDomainName;
import com.google.common.primitives.Ints;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.apache.commons.lang3.ArrayUtils;
import org.apache.commons.lang3.RandomStringUtils;
import org.apache.commons.lang3.StringUtils;
import org.apache.commons.lang3.builder.EqualsBuilder;
import org.apache.commons.lang3.builder.HashCodeBuilder;
import org.apache.commons.lang3.builder.ReflectionToStringBuilder;
import org.apache.commons.lang3.builder.ToStringStyle;
import org.apache.commons.lang3.math.NumberUtils;
import org.apache.commons.lang3.reflect.FieldUtils;
import org.apache.commons.lang3.reflect.MethodUtils;
import org.apache.commons.lang3.text.WordUtils;
import org.apache.commons.lang3.time.DateFormatUtils;
import org.apache.commons.lang3.time.DurationFormatUtils;
import org.apache.commons.lang3.tuple.Pair;

/**
 * A short program that leans on Guava, commons-lang3 and Jackson the way an ordinary
 * application does, so that several hundred of their classes load: the workload of
 * {@link LoadTime}, which runs it as a whole JVM with and without the agent. It uses no
 * greenthreads API; with {@code include=} naming the three libraries, every class of theirs
 * that loads is rewritten. The last line it prints is the process's CPU time, read before exit.
 */
public final class LibraryWorkload {

    /** A record for Jackson to bind. */
    public static final class Order {
        @JsonProperty("id") public long id;
        @JsonProperty("customer") public String customer;
        @JsonProperty("lines") public List<Line> lines = new ArrayList<>();
        @JsonProperty("tags") public Map<String, Integer> tags;
        @JsonProperty("placed") public Date placed;
    }

    /** One line of an {@link Order}. */
    public static final class Line {
        @JsonProperty("sku") public String sku;
        @JsonProperty("quantity") public int quantity;
        @JsonProperty("price") public double price;
    }

    private LibraryWorkload() {
    }

    public static void main(String[] args) throws Exception {
        long checksum = guava() + lang() + jackson();
        System.out.println("checksum " + checksum);
        System.out.println("cpu-ns " + ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime());
    }

    private static long guava() throws Exception {
        long sum = 0;
        Stopwatch watch = Stopwatch.createStarted();
        List<String> words = Splitter.on(',').trimResults().omitEmptyStrings()
                .splitToList("alpha, beta,gamma,, delta , epsilon,zeta,eta,theta");
        sum += Joiner.on('|').skipNulls().join(words).length();
        sum += CaseFormat.LOWER_CAMEL.to(CaseFormat.UPPER_UNDERSCORE, "loadTimeCost").length();
        ImmutableList<String> sorted = Ordering.natural().reverse().immutableSortedCopy(words);
        sum += sorted.get(0).length();
        ImmutableMap<String, Integer> lengths = Maps.toMap(words, String::length);
        sum += lengths.size() + ImmutableSortedMap.copyOf(lengths).firstKey().length();
        sum += ImmutableSet.copyOf(Iterables.concat(words, Lists.reverse(words))).size();
        sum += Sets.powerSet(ImmutableSet.of(1, 2, 3, 4)).size();
        sum += Sets.cartesianProduct(ImmutableSet.of(1, 2), ImmutableSet.of(3, 4)).size();
        Multimap<Integer, String> byLength = ArrayListMultimap.create();
        for (String w : words) {
            byLength.put(w.length(), w);
        }
        sum += byLength.keySet().size();
        Multiset<Character> letters = TreeMultiset.create();
        for (String w : words) {
            for (char c : w.toCharArray()) {
                letters.add(c);
            }
        }
        sum += letters.count('a');
        Table<String, Integer, Boolean> table = HashBasedTable.create();
        table.put("x", 1, true);
        table.put("y", 2, false);
        sum += table.rowKeySet().size();
        RangeSet<Integer> ranges = TreeRangeSet.create();
        ranges.add(Range.closed(1, 10));
        ranges.add(Range.closedOpen(11, 15));
        ranges.remove(Range.open(3, 5));
        sum += ranges.asRanges().size();
        LoadingCache<String, Integer> cache = CacheBuilder.newBuilder().maximumSize(100).recordStats()
                .build(CacheLoader.from(String::length));
        for (String w : words) {
            sum += cache.get(w);
        }
        sum += cache.stats().missCount();
        MutableGraph<String> graph = GraphBuilder.directed().build();
        for (int i = 1; i < words.size(); i++) {
            graph.putEdge(words.get(i - 1), words.get(i));
        }
        sum += graph.successors("alpha").size();
        BloomFilter<Integer> bloom = BloomFilter.create(Funnels.integerFunnel(), 1000, 0.01);
        for (int i = 0; i < 100; i++) {
            bloom.put(i);
        }
        sum += bloom.mightContain(42) ? 1 : 0;
        sum += Hashing.sha256().hashString("greenthreads", StandardCharsets.UTF_8).asInt();
        sum += Hashing.murmur3_128().hashInt(7).asLong();
        sum += BaseEncoding.base64().encode(new byte[] {1, 2, 3}).length();
        sum += IntMath.gcd(1071, 462) + Ints.max(3, 9, 4);
        sum += InternetDomainName.from("www.example.co.uk").topPrivateDomain().toString().length();
        sum += watch.stop().elapsed().isNegative() ? 1 : 0;
        return sum;
    }

    private static long lang() throws Exception {
        long sum = 0;
        sum += StringUtils.abbreviate(StringUtils.repeat("green", 20), 30).length();
        sum += StringUtils.capitalize(StringUtils.substringBetween("<a>threads</a>", "<a>", "</a>")).length();
        sum += StringUtils.getLevenshteinDistance("kitten", "sitting");
        sum += StringUtils.splitByCharacterTypeCamelCase("loadTimeCost").length;
        sum += WordUtils.wrap(StringUtils.repeat("word ", 30), 20).length();
        int[] numbers = ArrayUtils.addAll(new int[] {1, 2}, 3, 4);
        ArrayUtils.reverse(numbers);
        sum += numbers[0];
        sum += ArrayUtils.indexOf(new String[] {"a", "b"}, "b");
        sum += NumberUtils.toInt("42") + NumberUtils.max(1L, 9L, 3L);
        sum += RandomStringUtils.insecure().nextAlphanumeric(12).length();
        Pair<String, Integer> pair = Pair.of("left", 1);
        sum += pair.getRight();
        Line line = new Line();
        line.sku = "sku-1";
        line.quantity = 3;
        sum += ReflectionToStringBuilder.toString(line, ToStringStyle.JSON_STYLE).length();
        sum += new HashCodeBuilder().append(line.sku).append(line.quantity).toHashCode();
        sum += new EqualsBuilder().append(1, 1).append("a", "a").isEquals() ? 1 : 0;
        sum += FieldUtils.readField(line, "quantity", true).hashCode();
        sum += (int) MethodUtils.invokeMethod("abc", "length");
        sum += DateFormatUtils.ISO_8601_EXTENDED_DATETIME_FORMAT.format(0L).length();
        sum += DurationFormatUtils.formatDurationHMS(3_723_000L).length();
        return sum;
    }

    private static long jackson() throws Exception {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Order order = new Order();
        order.id = 7;
        order.customer = "Ada";
        order.placed = new Date(0);
        order.tags = Map.of("rush", 1, "gift", 0);
        for (int i = 0; i < 3; i++) {
            Line l = new Line();
            l.sku = "sku-" + i;
            l.quantity = i + 1;
            l.price = 9.5 * i;
            order.lines.add(l);
        }
        String json = mapper.writeValueAsString(order);
        Order back = mapper.readValue(json, Order.class);
        long sum = json.length() + back.lines.size();
        JsonNode tree = mapper.readTree(json);
        sum += tree.path("lines").size();
        ObjectNode node = mapper.createObjectNode().put("a", 1).put("b", "two");
        node.putArray("c").add(1.5).add(true);
        sum += mapper.writeValueAsBytes(node).length;
        List<Map<String, Object>> maps = mapper.readValue("[{\"x\":1},{\"y\":[1,2,3]}]",
                new TypeReference<List<Map<String, Object>>>() { });
        sum += maps.size();
        sum += mapper.convertValue(order, Map.class).size();
        return sum;
    }
}
