/**
 * The simulated world of examples/papers/llmcompiler.ts: magazines with their founding
 * years (for HotpotQA-style comparison questions) and movies with their genres (for Movie
 * Recommendation questions), and the i-th question of each task, all different for i < 72.
 */
import type { ReActInput } from "./llmcompiler.js";

export interface Magazine {
  name: string;
  year: number;
}

export const MAGAZINES: readonly Magazine[] = [
  { name: "Arthur's Magazine", year: 1844 },
  { name: "First for Women", year: 1989 },
  { name: "Harper's Bazaar", year: 1867 },
  { name: "Vogue", year: 1892 },
  { name: "The New Yorker", year: 1925 },
  { name: "Time", year: 1923 },
  { name: "National Geographic", year: 1888 },
  { name: "Rolling Stone", year: 1967 },
  { name: "Wired", year: 1993 },
  { name: "The Atlantic", year: 1857 },
  { name: "Scientific American", year: 1845 },
  { name: "Popular Science", year: 1872 },
  { name: "Reader's Digest", year: 1922 },
  { name: "Cosmopolitan", year: 1886 },
  { name: "Esquire", year: 1933 },
  { name: "Forbes", year: 1917 },
];

export interface Movie {
  title: string;
  year: number;
  genres: string[];
}

export const MOVIES: readonly Movie[] = [
  { title: "Mission: Impossible", year: 1996, genres: ["action", "spy", "thriller"] },
  { title: "The Silence of the Lambs", year: 1991, genres: ["crime", "thriller", "horror"] },
  { title: "American Beauty", year: 1999, genres: ["drama", "comedy"] },
  { title: "Star Wars", year: 1977, genres: ["science fiction", "adventure", "action"] },
  { title: "Austin Powers: International Man of Mystery", year: 1997, genres: ["comedy", "spy"] },
  { title: "In Cold Blood", year: 1967, genres: ["crime", "drama"] },
  { title: "Rosetta", year: 1999, genres: ["drama"] },
  { title: "The Matrix", year: 1999, genres: ["science fiction", "action"] },
  { title: "Pulp Fiction", year: 1994, genres: ["crime", "drama", "comedy"] },
  { title: "Jurassic Park", year: 1993, genres: ["science fiction", "adventure"] },
  { title: "Toy Story", year: 1995, genres: ["animation", "comedy", "adventure"] },
  { title: "The Fugitive", year: 1993, genres: ["action", "thriller", "crime"] },
  { title: "Groundhog Day", year: 1993, genres: ["comedy", "fantasy"] },
  { title: "Fargo", year: 1996, genres: ["crime", "drama", "comedy"] },
  { title: "Alien", year: 1979, genres: ["science fiction", "horror"] },
  { title: "Raiders of the Lost Ark", year: 1981, genres: ["adventure", "action"] },
  { title: "Goodfellas", year: 1990, genres: ["crime", "drama"] },
  { title: "Forrest Gump", year: 1994, genres: ["drama", "comedy"] },
  { title: "Terminator 2: Judgment Day", year: 1991, genres: ["science fiction", "action"] },
  { title: "Seven", year: 1995, genres: ["crime", "thriller"] },
  { title: "Braveheart", year: 1995, genres: ["drama", "war"] },
  { title: "The Lion King", year: 1994, genres: ["animation", "drama"] },
  { title: "Heat", year: 1995, genres: ["crime", "action", "thriller"] },
  { title: "Back to the Future", year: 1985, genres: ["science fiction", "comedy", "adventure"] },
];

/** "Which magazine was started first, A or B?": pairs in a fixed order. */
export function magazineQuestion(i: number): ReActInput {
  const n = MAGAZINES.length;
  const a = i % n;
  const b = (a + 1 + (Math.floor(i / n) % (n - 1))) % n;
  const [x, y] = [MAGAZINES[a]!.name, MAGAZINES[b]!.name];
  return { question: `Which magazine was started first, ${x} or ${y}?`, subjects: [x, y] };
}

/** Four liked movies and four options, eight different titles. */
export function movieQuestion(i: number): ReActInput {
  const n = MOVIES.length;
  // Strides coprime with 24 give eight different titles from any start.
  const stride = [5, 7, 11][Math.floor(i / n) % 3]!;
  const titles = Array.from({ length: 8 }, (_, k) => MOVIES[(i + k * stride) % n]!.title);
  const liked = titles.slice(0, 4).join(", ");
  const options = titles.slice(4).join(", ");
  return {
    question: `Find a movie similar to ${liked}. Options: ${options}.`,
    subjects: titles,
  };
}
