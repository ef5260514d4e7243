"""jupyter_kernel_test's standard suite (PyPI: jupyter_kernel_test) against the Evo kernelspec.

Run: python -m unittest -v kernel_test_suite (from this folder, JUPYTER_PATH naming the installed spec).
"""

import unittest

import jupyter_kernel_test as jkt


class EvoKernelTests(jkt.KernelTests):
    kernel_name = "evo"
    language_name = "evo"
    file_extension = ".evo"

    code_hello_world = 'print("hello, world")'
    completion_samples = [{"text": "arang", "matches": {"arange"}}, {"text": "whi", "matches": {"while"}}]
    complete_code_samples = ["1 + 1", "fn f(x) { x }", "let a = [1, 2]"]
    incomplete_code_samples = ["fn f(x) {", "let a = [1,", "if true {\n  print(1)"]
    invalid_code_samples = ["let = 3", "1 +* 2"]
    code_generate_error = 'throw "boom"'
    code_execute_result = [{"code": "6 * 7", "result": "42"}, {"code": '"ab" + "c"', "result": '"abc"'}]
    code_display_data = [{"code": 'import plot\ndisplay(plot.lines({"a": [1, 2]}))', "mime": "image/png"}]
    code_history_pattern = "6 *"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "zeros"


if __name__ == "__main__":
    unittest.main()
