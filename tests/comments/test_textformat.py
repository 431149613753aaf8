"""The comments' plain-text format: what is typed -> the exact HTML stored."""

import re

import pytest

from cms.textformat import plain_text_to_html

LONG = "Свобода слова. " * 333 + "Конец"  # 5,000 characters

CASES = [
    # Paragraphs and line breaks
    ("One line", "<p>One line</p>"),
    ("First\nsecond", "<p>First<br>second</p>"),
    ("First\n\nSecond", "<p>First</p>\n<p>Second</p>"),
    ("First\n\n\n\nSecond", "<p>First</p>\n<p>Second</p>"),
    ("First\n  \t \nSecond", "<p>First</p>\n<p>Second</p>"),
    ("Windows\r\nline\r\n\r\nNext", "<p>Windows<br>line</p>\n<p>Next</p>"),
    ("Old Mac\rline\r\rNext", "<p>Old Mac<br>line</p>\n<p>Next</p>"),
    ("\n\n\nLeading and trailing\n\n\n", "<p>Leading and trailing</p>"),
    ("\r\n \r\nText\r\n \r\n", "<p>Text</p>"),
    ("Trailing spaces   \nnext\t\n", "<p>Trailing spaces<br>next</p>"),
    # Typed <p> and <br> survive, without attributes
    ("a<br>b", "<p>a<br>b</p>"),
    ("a<br/>b<br />c</br>d", "<p>a<br>b<br>c<br>d</p>"),
    ("a<br>\nb", "<p>a<br>b</p>"),
    ('a<BR class="x" onclick="alert(1)">b', "<p>a<br>b</p>"),
    ("<p>one</p><p>two</p>", "<p>one</p>\n<p>two</p>"),
    ('<p style="color:red" onmouseover="alert(1)">styled</p>', "<p>styled</p>"),
    ('<p title="a>b">quoted bracket</p>', "<p>quoted bracket</p>"),
    ("<P>upper</P>", "<p>upper</p>"),
    ("<br>", ""),
    ("<pre>not a p</pre> <bravo>", "<p>&lt;pre&gt;not a p&lt;/pre&gt; &lt;bravo&gt;</p>"),
    # Everything else is literal text
    ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
    ("<img src=x onerror=alert(1)>", "<p>&lt;img src=x onerror=alert(1)&gt;</p>"),
    ("<svg onload=alert(1)>", "<p>&lt;svg onload=alert(1)&gt;</p>"),
    ('<a href="javascript:alert(1)">click</a>',
     '<p>&lt;a href="javascript:alert(1)"&gt;click&lt;/a&gt;</p>'),
    ("javascript:alert(1)", "<p>javascript:alert(1)</p>"),
    ("https://example.org/spam and www.example.com", "<p>https://example.org/spam and www.example.com</p>"),
    ("&lt;script&gt; &amp; &#60; &#x3C; &nbsp;",
     "<p>&amp;lt;script&amp;gt; &amp;amp; &amp;#60; &amp;#x3C; &amp;nbsp;</p>"),
    ("Tom & Jerry say 2 < 3 > 1", "<p>Tom &amp; Jerry say 2 &lt; 3 &gt; 1</p>"),
    ("<!-- hidden -->shown", "<p>&lt;!-- hidden --&gt;shown</p>"),
    ("<b>unclosed <i", "<p>&lt;b&gt;unclosed &lt;i</p>"),
    ("<p unclosed", "<p>&lt;p unclosed</p>"),
    ('"quotes" and \'apostrophes\'', "<p>\"quotes\" and 'apostrophes'</p>"),
    # Non-Latin text, and the longest comment
    ("Свобода слова\n\nİnsan hüquqları: ə ı ş ç ğ ö ü",
     "<p>Свобода слова</p>\n<p>İnsan hüquqları: ə ı ş ç ğ ö ü</p>"),
    ("حقوق الإنسان 人权", "<p>حقوق الإنسان 人权</p>"),
    (LONG, f"<p>{LONG}</p>"),
    ("", ""),
    ("\n \n", ""),
]


@pytest.mark.parametrize("typed,stored", CASES, ids=[repr(c[0])[:40] for c in CASES])
def test_plain_text_becomes_exactly_this_html(typed, stored):
    assert plain_text_to_html(typed) == stored


def test_the_long_case_is_five_thousand_characters():
    assert len(LONG) == 5000


@pytest.mark.parametrize("typed", [c[0] for c in CASES])
def test_no_tag_but_p_and_br_and_no_attribute_ever_comes_out(typed):
    tags = re.findall(r"<[^>]*>", plain_text_to_html(typed))
    assert set(tags) <= {"<p>", "</p>", "<br>"}
