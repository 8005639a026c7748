"""Loaders for the real datasets in `../shared/data/real/` and statsmodels' bundled series, for benchmarks and tests.

Each loader returns a `RealData`: the frame with its time column parsed (rows in time order), the target, the time
column and the task. Nothing is cleaned or edited: what is messy in the files stays messy (see the data README).
"""
from __future__ import annotations
from dataclasses import dataclass
from pathlib import Path
import os
import pandas as pd

def find_real(start:Path=Path(__file__).resolve()) -> Path:
    "`$MLKIT_REAL_DATA`, else the first `shared/data/real` beside the checkout or one of its parents (CI: `../shared`)."
    if os.environ.get('MLKIT_REAL_DATA'): return Path(os.environ['MLKIT_REAL_DATA'])
    root = start.parents[1]  # the checkout
    return next((p/'shared'/'data'/'real' for p in root.parents if (p/'shared'/'data'/'real').is_dir()),
                root.parent/'shared'/'data'/'real')

REAL = find_real()

@dataclass
class RealData:
    "A real table as a user would hand it to mlkit."
    name: str
    frame: pd.DataFrame  # time column parsed, rows in time order
    target: str
    time_col: str
    task: str  # 'regression' or 'classification'
    step: str  # the nominal sampling step, in words (for tables)

def real_available() -> bool: return REAL.is_dir()

def load_etth1() -> RealData:
    "ETTh1: six transformer load series and the oil temperature `OT` (target), hourly, no gaps."
    df = pd.read_csv(REAL/'etth1'/'ETTh1.csv', parse_dates=['date'])
    return RealData('etth1', df, 'OT', 'date', 'regression', '1 h')

def load_exchange_rate() -> RealData:
    "Daily exchange rates of eight countries (`0`..`6`, `OT` the target) over every calendar day."
    df = pd.read_csv(REAL/'exchange_rate'/'exchange_rate.csv')
    df['date'] = pd.to_datetime(df['date'], format='%Y/%m/%d %H:%M')
    return RealData('exchange_rate', df, 'OT', 'date', 'regression', '1 day')

def load_ili() -> RealData:
    "US influenza-like illness, weekly; `OT` (patients seen) is the target."
    df = pd.read_csv(REAL/'ili'/'national_illness.csv', parse_dates=['date'])
    return RealData('ili', df, 'OT', 'date', 'regression', '7 days')

OCCUPANCY_FILES = ('datatest.txt', 'datatraining.txt', 'datatest2.txt')  # three separate periods, in time order

def load_occupancy(files=OCCUPANCY_FILES, row_number:bool=False) -> RealData:
    "UCI Occupancy: the files joined in time order (gaps between them), minutes jittered by seconds."
    # row_number: keep the unnamed row-number column (as 'Unnamed: 0') instead of dropping it
    # the header names 7 columns but each row has 8 fields: pandas makes the first (an unnamed row number, written as
    # text, restarting in each file) the index
    parts = [pd.read_csv(REAL/'occupancy'/f, index_col=0) for f in files]
    df = pd.concat([p.rename_axis('Unnamed: 0').reset_index() if row_number else p for p in parts], ignore_index=True)
    df['date'] = pd.to_datetime(df['date'])
    return RealData('occupancy', df.sort_values('date', kind='stable').reset_index(drop=True), 'Occupancy', 'date',
                    'classification', '1 min (jittered)')

def load_wind() -> RealData:
    "One wind farm every 15 minutes: forecast weather, measured wind speed and the power `target`."
    df = pd.read_csv(REAL/'wind'/'wind.csv')
    df['date'] = pd.to_datetime(df['date'], format='%Y/%m/%d %H:%M')
    return RealData('wind', df, 'target', 'date', 'regression', '15 min')

def load_co2() -> RealData:
    "Mauna Loa CO2 (statsmodels), weekly since 1958, with missing values."
    from statsmodels.datasets import co2
    d = co2.load_pandas().data
    df = pd.DataFrame({'date': d.index.to_numpy(), 'co2': d['co2'].to_numpy()})
    return RealData('co2', df, 'co2', 'date', 'regression', '7 days')

def load_elec_equip() -> RealData:
    "Euro-area electrical equipment orders index (statsmodels), monthly since 1995."
    from statsmodels.datasets import elec_equip
    d = elec_equip.load().data
    return RealData('elec_equip', pd.DataFrame({'date': d.index.to_numpy(), 'orders': d.iloc[:, 0].to_numpy()}),
                    'orders', 'date', 'regression', '1 month')

def load_macrodata() -> RealData:
    "US macroeconomic series (statsmodels), quarterly 1959-2009, dated from year and quarter; target `realgdp`."
    d = sm_data('macrodata')
    year, quarter = d['year'].astype(int), d['quarter'].astype(int)
    date = pd.PeriodIndex.from_fields(year=year, quarter=quarter, freq='Q').to_timestamp()
    df = pd.concat([pd.DataFrame({'date': date}), d.drop(columns=['year', 'quarter'])], axis=1)
    return RealData('macrodata', df, 'realgdp', 'date', 'regression', '1 quarter')

def _yearly(name:str, year:str, value:str, target:str) -> RealData:
    d = sm_data(name)
    date = pd.to_datetime(d[year].astype(int).astype(str), format='%Y')
    df = pd.DataFrame({'date': date, target: d[value].to_numpy()})
    return RealData(name, df, target, 'date', 'regression', '1 year')

def load_nile() -> RealData:
    "Annual flow of the Nile at Aswan (statsmodels), 1871-1970."
    return _yearly('nile', 'year', 'volume', 'volume')

def load_sunspots() -> RealData:
    "Yearly sunspot activity (statsmodels), 1700-2008."
    return _yearly('sunspots', 'YEAR', 'SUNACTIVITY', 'sunactivity')

def sm_data(name:str) -> pd.DataFrame:
    "A statsmodels dataset's frame by module name."
    import importlib
    return importlib.import_module(f'statsmodels.datasets.{name}').load_pandas().data

FILE_LOADERS = dict(etth1=load_etth1, exchange_rate=load_exchange_rate, ili=load_ili, occupancy=load_occupancy,
                    wind=load_wind)
PACKAGE_LOADERS = dict(co2=load_co2, elec_equip=load_elec_equip, macrodata=load_macrodata, nile=load_nile,
                       sunspots=load_sunspots)
LOADERS = FILE_LOADERS | PACKAGE_LOADERS

def load_all(names=None) -> dict:
    "Every dataset (or those named) whose source is available: name -> RealData."
    names = list(LOADERS) if names is None else names
    return {n: LOADERS[n]() for n in names if n in PACKAGE_LOADERS or real_available()}
