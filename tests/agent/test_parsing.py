import pytest

from mathagent.agent.parsing import answer_from_output, extract_code


def test_extract_first_python_block():
    text = "Here:\n```python\nx = 1\nprint(x)\n```\nthen\n```python\nprint(2)\n```"
    assert extract_code(text) == "x = 1\nprint(x)"


def test_unterminated_fence_counts():
    assert extract_code("```python\nprint(3)\n") == "print(3)"


def test_no_code():
    assert extract_code("The answer is \\boxed{3}") is None
    assert extract_code("```python\n\n```") is None


@pytest.mark.parametrize("stdout,expected", [
    ("18\n", "18"), ("step\n18\n", "18"), ("[6]\n", "6"), ("{x: 6}\n", "6"), ("[-2, 3]", "-2, 3"),
    ("[(1, 2), (3, 4)]\n", "(1, 2), (3, 4)"), ("[[1, 2], [3, 4]]", "[[1, 2], [3, 4]]"), ("[1, 2] + [3]", "[1, 2] + [3]"),
    ("The answer is 18", "18"), ("sqrt(2)/2", "sqrt(2)/2"), ("", None), ("\n\n", None), ("7/2", "7/2"),
])
def test_answer_from_output(stdout, expected):
    assert answer_from_output(stdout) == expected
