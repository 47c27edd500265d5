package dev.greenthreads.corpus;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * The tests of one JUnit console launcher run, read from its legacy XML reports (one
 * {@code TEST-*.xml} per test engine): each test by "class#name" with its outcome.
 */
record TestSuiteReport(Map<String, Outcome> tests) {

    enum Outcome { PASSED, FAILED, SKIPPED }

    static TestSuiteReport read(Path reportsDir) throws IOException {
        Map<String, Outcome> tests = new TreeMap<>();
        try (DirectoryStream<Path> xmls = Files.newDirectoryStream(reportsDir, "TEST-*.xml")) {
            for (Path xml : xmls) {
                readInto(xml, tests);
            }
        }
        return new TestSuiteReport(tests);
    }

    private static void readInto(Path xml, Map<String, Outcome> tests) throws IOException {
        try {
            NodeList cases = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile())
                    .getElementsByTagName("testcase");
            for (int i = 0; i < cases.getLength(); i++) {
                Element c = (Element) cases.item(i);
                Outcome outcome = has(c, "failure") || has(c, "error") ? Outcome.FAILED
                        : has(c, "skipped") ? Outcome.SKIPPED : Outcome.PASSED;
                tests.merge(c.getAttribute("classname") + "#" + c.getAttribute("name"), outcome,
                        (a, b) -> a == Outcome.FAILED || b == Outcome.FAILED ? Outcome.FAILED : a);
            }
        } catch (ParserConfigurationException | SAXException e) {
            throw new IOException(xml + ": " + e.getMessage(), e);
        }
    }

    long count(Outcome outcome) {
        return tests.values().stream().filter(o -> o == outcome).count();
    }

    private static boolean has(Element testcase, String child) {
        return testcase.getElementsByTagName(child).getLength() > 0;
    }
}
