"""A program's vector or matrix printout is read as one, in the form the problem asks for (issue 12: MATH
precalculus answers such as ``[ 11 -36  -3]`` were read as the one value ``11 -36  -3`` and graded wrong)."""

from __future__ import annotations

import pytest

from mathagent.agent.parsing import answer_from_output, as_asked
from mathagent.verifiers.equivalence import equivalent
from mathagent.verifiers.plausibility import Expectation, expectation

VECTOR = Expectation(expression=True, matrix=True)
COLUMN = "\\begin{pmatrix} 11 \\\\ -36 \\\\ -3 \\end{pmatrix}"
SQUARE = "\\begin{pmatrix} 1 & 2 \\\\ 3 & 4 \\end{pmatrix}"


@pytest.mark.parametrize("stdout", [
    "[ 11 -36  -3]",                          # numpy str, integers
    "[ 11. -36.  -3.]",                       # numpy str, floats
    "[ 1.1e+01 -3.6e+01 -3.0e+00]",           # numpy str, scientific
    "cross product:\n[ 11 -36  -3]\n",        # after other output
    "array([ 11, -36,  -3])",                 # numpy repr
    "Matrix([[11], [-36], [-3]])",            # SymPy column
    "[11, -36, -3]",                          # a Python list
    "(11, -36, -3)",                          # a Python tuple
    "[[ 11]\n [-36]\n [ -3]]",                # numpy 2-D column over three lines
    "cross product: [ 11 -36  -3]",           # after a label
    "The vector is [ 11 -36  -3]",
    "v = Matrix([[11], [-36], [-3]])",
    "v = [ 11\n -36  -3]",                     # print("v =", a) of a wrapped row
])
def test_a_vector_printout_is_a_column_vector_when_a_vector_is_asked(stdout):
    got = answer_from_output(stdout, VECTOR)
    assert got is not None and got.startswith("\\begin{pmatrix}")
    assert equivalent(got, COLUMN) is True


@pytest.mark.parametrize("stdout", [
    "[[1 2]\n [3 4]]", "[[1. 2.]\n [3. 4.]]", "Matrix([[1, 2], [3, 4]])", "[[1, 2], [3, 4]]",
    "array([[1, 2],\n       [3, 4]])".split("\n")[0] + "\n[[1 2]\n [3 4]]",
    "M = [[1 2]\n [3 4]]",                     # print("M =", A)
])
def test_a_matrix_printout_keeps_its_rows(stdout):
    got = answer_from_output(stdout, VECTOR)
    assert got == SQUARE
    assert equivalent(got, SQUARE) is True


@pytest.mark.parametrize("stdout,expected", [
    ("[ 11 -36  -3]", "11, -36, -3"),        # no vector asked: a bare list, never one value '11 -36  -3'
    ("[ 1  2  3\n  4]", "1, 2, 3, 4"),       # numpy wraps a long row
    ("[-2.  3.]", "-2, 3"),                  # numpy roots
    ("[[1 2]\n [3 4]]", "[[1, 2], [3, 4]]"),
    ("Matrix([[5]])", "5"),
    ("[[1 2 3]\n [4 5]]", "[4 5]]"),           # ragged: not an array, the last line as printed
    ("[x + 1]", "x + 1"), ("[6]", "6"), ("[-2, 3]", "-2, 3"),
    ("roots: [-2, 3]", "-2, 3"), ("The answer is [6]", "6"), ("x = [1, 2] + [3]", "[1, 2] + [3]"),
    ("[(1, 2), (3, 4)]", "(1, 2), (3, 4)"),   # a list of pairs is never a vector
])
def test_without_a_vector_question_arrays_stay_lists(stdout, expected):
    assert answer_from_output(stdout) == expected
    assert answer_from_output(stdout, Expectation()) == expected


@pytest.mark.parametrize("answer,expected", [
    ("(11, -36, -3)", COLUMN), ("\\left( 11, -36, -3 \\right)", COLUMN), ("\\langle 11, -36, -3 \\rangle", COLUMN),
    ("(1, 2) + (3, 4)", "(1, 2) + (3, 4)"), ("(x+1)", "(x+1)"), ("7", "7"), (None, None),
])
def test_a_tuple_answer_is_written_as_the_vector_asked(answer, expected):
    assert as_asked(answer, VECTOR) == expected
    assert as_asked(answer, Expectation()) == answer


@pytest.mark.parametrize("problem,matrix", [
    ("Find the vector $\\mathbf{v}$ such that $\\mathbf{a} \\times \\mathbf{v} = \\mathbf{b}$.", True),
    ("Compute $\\begin{pmatrix} 2 & 3 \\\\ 7 & -1 \\end{pmatrix} \\begin{pmatrix} 1 & -5 \\\\ 0 & 4 \\end{pmatrix}.$", True),
    ("Find the matrix $\\mathbf{M}$ that doubles the first column of a matrix.", True),
    ("Find the projection of the vector onto the line. Enter your answer as an ordered triple.", False),
    ("Find all values of $k$ for which the matrix $\\begin{pmatrix} k & 1 \\\\ 1 & k \\end{pmatrix}$ is not invertible.", False),
    ("What is the remainder when 2^100 is divided by 7?", False),
])
def test_the_question_says_whether_a_vector_is_asked(problem, matrix):
    assert expectation(problem).matrix is matrix


def test_a_vector_problem_end_to_end():
    problem = "Find $\\begin{pmatrix} 2 \\\\ 0 \\\\ 3 \\end{pmatrix} \\times \\begin{pmatrix} 5 \\\\ -1 \\\\ 7 \\end{pmatrix}.$"
    got = answer_from_output("[ 3  1 -2]\n", expectation(problem))
    assert equivalent(got, "\\begin{pmatrix} 3 \\\\ 1 \\\\ -2 \\end{pmatrix}") is True


@pytest.mark.parametrize("program,gold", [
    ("import numpy as np\nprint(np.cross([2, 0, 3], [5, -1, 7]))", "\\begin{pmatrix} 3 \\\\ 1 \\\\ -2 \\end{pmatrix}"),
    ("import sympy as sp\nprint(sp.Matrix([[1, 2], [3, 4]]).inv())",
     "\\begin{pmatrix} -2 & 1 \\\\ \\frac{3}{2} & -\\frac{1}{2} \\end{pmatrix}"),
    ("import numpy as np\nprint(np.array([[1.5, 2], [3, 4]]))", "\\begin{pmatrix} \\frac32 & 2 \\\\ 3 & 4 \\end{pmatrix}"),
    ("import numpy as np\nprint(np.linalg.solve([[2, 1], [1, 3]], [3, 5]))",
     "\\begin{pmatrix} \\frac45 \\\\ \\frac75 \\end{pmatrix}"),
    ("import sympy as sp\nprint(sp.Matrix([11, -36, -3]))", COLUMN),
])
def test_real_printouts_from_the_sandbox(calculator, program, gold):
    res = calculator.run(program, 20)
    assert res.status == "ok", res.stderr
    assert equivalent(answer_from_output(res.stdout, VECTOR), gold) is True


# Found by review: each a member of "a printout that is not a vector, or a vector written so the grader misreads it".
@pytest.mark.parametrize("stdout,expected", [
    ("[0, 1)", "[0, 1)"), ("Domain: [-2, 3)", "[-2, 3)"),                  # half-open intervals stay intervals
    ('["a", "b"]', '"a", "b"'), ("[True, False]", "True, False"),         # strings and constants are not entries
    ("[array([1, 2]), array([3, 4])]", "array([1, 2]), array([3, 4])"),
])
def test_what_is_not_a_vector_is_left_alone_even_when_a_vector_is_asked(stdout, expected):
    assert answer_from_output(stdout, VECTOR) == expected


@pytest.mark.parametrize("stdout,gold", [
    ("array([1.5, 2. ])", "\\begin{pmatrix} \\frac32 \\\\ 2 \\end{pmatrix}"),
    ("array([1.e-05, 2.e+00])", "\\begin{pmatrix} 0.00001 \\\\ 2 \\end{pmatrix}"),
    ("[1e-05, 2.0]", "\\begin{pmatrix} 0.00001 \\\\ 2 \\end{pmatrix}"),
    ("[np.float64(0.8), np.float64(1.4)]", "\\begin{pmatrix} \\frac45 \\\\ \\frac75 \\end{pmatrix}"),   # numpy 2 reprs
    ("(np.float64(0.8), np.float64(1.4))", "\\begin{pmatrix} \\frac45 \\\\ \\frac75 \\end{pmatrix}"),
    ("[[ 6.123234e-17 -1.000000e+00]\n [ 1.000000e+00  6.123234e-17]]",                  # rounding noise is 0
     "\\begin{pmatrix} 0 & -1 \\\\ 1 & 0 \\end{pmatrix}"),
    ("[1 -1/2 1/2]", "\\begin{pmatrix} 1 \\\\ -\\frac12 \\\\ \\frac12 \\end{pmatrix}"),   # numpy array of SymPy values
])
def test_entries_are_written_so_the_grader_reads_them(stdout, gold):
    assert equivalent(answer_from_output(stdout, VECTOR), gold) is True


def test_numpy2_scalar_reprs_are_read_as_numbers_anywhere():
    assert answer_from_output("[np.float64(-2.0), np.float64(3.0)]") == "-2.0, 3.0"
    assert answer_from_output("(np.int64(1), np.int64(-2))") == "(1, -2)"


def test_a_tuple_of_tuples_is_not_a_vector():
    assert as_asked("((1, 2), (3, 4))", VECTOR) == "((1, 2), (3, 4))"


@pytest.mark.parametrize("problem", [
    "Find all $k$ for which the vectors $\\begin{pmatrix} 1 \\\\ k \\end{pmatrix}$ and $\\begin{pmatrix} k \\\\ 4 \\end{pmatrix}$ are parallel.",
    "The matrix $\\begin{pmatrix} a & 3 \\\\ -8 & d \\end{pmatrix}$ is its own inverse. Enter all the solutions, separated by commas.",
    "The vectors are orthogonal. Enter the pair $(p,q)$.",
])
def test_several_scalars_asked_about_vectors_are_not_a_vector(problem):
    assert expectation(problem).matrix is False
