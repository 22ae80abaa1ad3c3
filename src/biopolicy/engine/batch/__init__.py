"""The batch engine: the same rules over a whole population, in columns (numpy), with the same answers.

``compile_rules(rules, catalogue)`` once; ``evaluate(population, compiled, per_case)`` per run.
"""

from biopolicy.engine.batch.population import Population, from_cases
from biopolicy.engine.batch.run import BatchResult, Compiled, compile_rules, evaluate

__all__ = ["BatchResult", "Compiled", "Population", "compile_rules", "evaluate", "from_cases"]
