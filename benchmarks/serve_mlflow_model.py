"""The serving benchmark's peer model: the same shipped mlkit model as an MLflow pyfunc ("models from code": no pickle).

Run with the python of benchmarks/.venv-serve-mlflow (see serve_setup_mlflow.sh) and PYTHONPATH set to the repository:
    python benchmarks/serve_mlflow_model.py SAVE_DIR MODELS REF   # writes an MLflow model to SAVE_DIR
MLflow then loads this file as the model's code. A request is one frame: the history rows (with the target) followed
by the rows to predict, whose target is missing; the prediction is for those trailing rows.
"""
import sys
import mlflow
import pandas as pd

class ShippedPyfunc(mlflow.pyfunc.PythonModel):
    "The registry's model, loaded as `mlkit serve` loads it (sha256 checked, skops with the entry's trusted types)."
    def load_context(self, context):
        from mlkit.registry import load_model
        self.model = load_model(context.model_config['ref'], root=context.artifacts['models'])
        self.tcol, self.target = self.model.card['time_col'], self.model.card['target']

    def predict(self, context, model_input:pd.DataFrame, params=None):
        frame = model_input.assign(**{self.tcol: pd.to_datetime(model_input[self.tcol])})
        known = frame[self.target].notna().to_numpy()
        n = len(frame) - (int(known.nonzero()[0][-1]) + 1 if known.any() else 0)  # the trailing rows without target
        rows = frame.iloc[len(frame) - n:].drop(columns=self.target)
        return self.model.predict(rows, frame.iloc[:len(frame) - n])['prediction'].to_numpy()

mlflow.models.set_model(ShippedPyfunc())

if __name__ == '__main__':
    save_dir, models, ref = sys.argv[1:4]
    mlflow.pyfunc.save_model(save_dir, python_model=__file__, artifacts={'models': models}, model_config={'ref': ref})
