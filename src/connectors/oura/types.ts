/** The parts of Oura API v2 answers we read (https://cloud.ouraring.com/v2/docs). */

export interface OuraPage<T> {
  data: T[];
  next_token: string | null;
}

export interface OuraDailyActivity {
  id: string;
  day: string;
  score?: number | null;
  steps?: number | null;
  active_calories?: number | null;
  total_calories?: number | null;
  equivalent_walking_distance?: number | null;
  timestamp?: string;
}

export interface OuraDailyReadiness {
  id: string;
  day: string;
  score?: number | null;
  temperature_deviation?: number | null;
  timestamp?: string;
}

export interface OuraDailySleep {
  id: string;
  day: string;
  score?: number | null;
  timestamp?: string;
}

export interface OuraSleepPeriod {
  id: string;
  day: string;
  type?: string;
  bedtime_start: string;
  bedtime_end: string;
  /** Seconds. */
  deep_sleep_duration?: number | null;
  light_sleep_duration?: number | null;
  rem_sleep_duration?: number | null;
  awake_time?: number | null;
  time_in_bed?: number | null;
  total_sleep_duration?: number | null;
  average_heart_rate?: number | null;
  lowest_heart_rate?: number | null;
}

export interface OuraHeartRate {
  bpm: number;
  source: string;
  timestamp: string;
}

export interface OuraDailySpo2 {
  id: string;
  day: string;
  spo2_percentage?: { average?: number | null } | null;
}
